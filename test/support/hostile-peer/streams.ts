/** Two connected in-memory duplex streams (a fast stand-in for a socket pair). */
import { Duplex, PassThrough, type Transform } from 'node:stream';

/** Bytes from `a` to `b` pass through `aToB` when given (to tamper or record in flight), likewise `bToA`. */
export function duplexPair(aToB?: Transform, bToA?: Transform): [Duplex, Duplex] {
  const ab = new PassThrough();
  const ba = new PassThrough();
  const bReadable = aToB ? ab.pipe(aToB) : ab;
  const aReadable = bToA ? ba.pipe(bToA) : ba;
  return [Duplex.from({ readable: aReadable, writable: ab }), Duplex.from({ readable: bReadable, writable: ba })];
}
