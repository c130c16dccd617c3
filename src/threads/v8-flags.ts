/**
 * V8 settings of the gateway's process (docs/configuration.md, "Memory"), made where the gateway starts so
 * that every way of starting it (the command, the compiled image, the demo, the tests) runs the same way.
 *
 * Allocation-site pretenuring is off. V8 watches where objects are made, and a site whose objects outlived
 * a young-generation collection often enough is switched to allocate straight into the old generation. A
 * gateway's per-reading objects (the parsed payload, the ingest message, the batch being written) live a
 * few milliseconds, but under load, while a window is sealed, enough of them outlive a collection that V8
 * pretenures their sites: from then on every reading's garbage lands in the old generation and only major
 * collections free it. At 10,000 devices that was about 4 KB a reading, a major collection every few
 * seconds and most of the PUBACK tail (docs/benchmarks.md, "Pretenuring").
 */
import { setFlagsFromString } from 'node:v8';

export function applyV8Flags(): void {
  // Read by V8 at each collection, so setting it after start takes effect (the flag is not frozen in Node).
  setFlagsFromString('--no-allocation-site-pretenuring');
}
