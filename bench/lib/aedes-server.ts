/**
 * Bare aedes on 127.0.0.1:PORT (argv[2]), no hooks: the reference between mosquitto and the gateway.
 * With a directory (argv[3]) it acknowledges a QoS 1 PUBLISH only once its payload is in a LevelDB batch
 * written with `sync: true`, the publishes of one event-loop turn in one batch (a group commit, as the
 * gateway's ingest log does): the least any aedes broker with a durable PUBACK does for a reading, without
 * authentication, validation, alarms or sealing. Its lock-step rate is the ceiling of that design here.
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import { Level } from 'level';

const port = Number(process.argv[2]);
const dir = process.argv[3];
const broker = await Aedes.createBroker();
const db = dir === undefined ? null : new Level<string, Buffer>(dir, { valueEncoding: 'buffer' });
if (db) {
  await db.open();
  let seq = 0;
  let pending: { payload: Buffer; done: (err: Error | null) => void }[] = [];
  let writing = false;
  const commit = async (): Promise<void> => {
    writing = true;
    while (pending.length > 0) {
      const jobs = pending;
      pending = [];
      const batch = db.batch();
      for (const job of jobs) batch.put(String(seq++).padStart(16, '0'), job.payload);
      let error: Error | null = null;
      await batch.write({ sync: true }).catch((err: Error) => {
        error = err;
      });
      for (const job of jobs) job.done(error);
    }
    writing = false;
  };
  broker.authorizePublish = (_client, packet, done) => {
    pending.push({ payload: packet.payload as Buffer, done });
    if (pending.length === 1 && !writing) setImmediate(commit);
  };
}
const server = createServer(broker.handle);
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  broker.close(() => void (db ? db.close() : Promise.resolve()).then(() => process.exit(0)));
});
// The bench holds our stdin: if it dies without stopping us, stdin ends and we go too.
process.stdin.on('end', () => process.exit(0)).resume();
