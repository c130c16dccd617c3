/**
 * Readings become live events once committed: after the PUBACK's condition (the durable commit), off its
 * path (the bus delivers on a later turn).
 */
import type { IngestLog } from '../store/index.ts';
import type { EventBus } from './bus.ts';

export function publishingCommitted(
  ingestLog: Pick<IngestLog, 'submit'>,
  events: Pick<EventBus, 'publish'>,
): Pick<IngestLog, 'submit'> {
  return {
    submit: (message) =>
      ingestLog.submit(message).then((outcome) => {
        if (outcome.stored.length > 0) events.publish({ type: 'readings', readings: outcome.stored });
        return outcome;
      }),
  };
}
