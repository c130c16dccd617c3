/** Bare aedes on 127.0.0.1:PORT (argv[2]), no hooks: the reference between mosquitto and the gateway. */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const port = Number(process.argv[2]);
const broker = await Aedes.createBroker();
const server = createServer(broker.handle);
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  broker.close(() => process.exit(0));
});
// The bench holds our stdin: if it dies without stopping us, stdin ends and we go too.
process.stdin.on('end', () => process.exit(0)).resume();
