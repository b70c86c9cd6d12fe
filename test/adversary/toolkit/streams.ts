/** Two connected in-memory duplex streams (a fast stand-in for a socket pair). */
import { Duplex, PassThrough } from 'node:stream';

export function duplexPair(): [Duplex, Duplex] {
  const ab = new PassThrough();
  const ba = new PassThrough();
  return [Duplex.from({ readable: ba, writable: ab }), Duplex.from({ readable: ab, writable: ba })];
}
