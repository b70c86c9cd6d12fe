/** Two connected in-memory duplex streams (a fast stand-in for a socket pair). */
import { Duplex, PassThrough, Transform } from 'node:stream';

/** Bytes from `a` to `b` pass through `aToB` when given (to tamper or record in flight), likewise `bToA`. */
export function duplexPair(aToB?: Transform, bToA?: Transform): [Duplex, Duplex] {
  const ab = new PassThrough();
  const ba = new PassThrough();
  const bReadable = aToB ? ab.pipe(aToB) : ab;
  const aReadable = bToA ? ba.pipe(bToA) : ba;
  return [Duplex.from({ readable: aReadable, writable: ab }), Duplex.from({ readable: bReadable, writable: ba })];
}

/** An in-memory link whose a → b direction is watched frame by frame, can be held still and cut. */
export interface WatchedLink {
  ends: [Duplex, Duplex];
  /** CHUNK frames that went from a to b, and their plaintext bytes (payload minus the 16-byte GCM tag). */
  chunks: { count: number; plainBytes: number };
  /** Frame types that went from a to b, in order. */
  types: number[];
  /** Resolves once `stallAfterChunks` CHUNK frames went through (nothing more does after them). */
  stalled: Promise<void>;
  /** Drops the link: both ends are destroyed, as when a connection dies. */
  cut(): void;
}

/** A link for resume tests: counts what crosses a → b and, with `stallAfterChunks`, holds everything after that many CHUNKs. */
export function watchedLink(opts: { stallAfterChunks?: number } = {}): WatchedLink {
  const chunks = { count: 0, plainBytes: 0 };
  const types: number[] = [];
  let onStall: () => void = () => undefined;
  const stalled = new Promise<void>((resolve) => (onStall = resolve));
  let holding = false;
  // A tiny frame walker: type (u8) | length (u32 BE) | payload; knows where each frame ends.
  let header = Buffer.alloc(0);
  let remaining = 0;
  let type = 0;
  const watch = new Transform({
    transform(data: Buffer, _enc, cb) {
      if (holding) return; // never calls back: the sender's writes back up, as on a stalled link
      let at = 0;
      while (at < data.length) {
        if (remaining === 0 && header.length < 5) {
          const take = Math.min(5 - header.length, data.length - at);
          header = Buffer.concat([header, data.subarray(at, at + take)]);
          at += take;
          if (header.length < 5) break;
          type = header.readUInt8(0);
          remaining = header.readUInt32BE(1);
          types.push(type);
          if (remaining > 0) continue;
        } else {
          const take = Math.min(remaining, data.length - at);
          remaining -= take;
          at += take;
          if (remaining > 0) break;
        }
        const length = header.readUInt32BE(1);
        header = Buffer.alloc(0);
        if (type === 3) {
          chunks.count++;
          chunks.plainBytes += length - 16;
          if (chunks.count === opts.stallAfterChunks) {
            holding = true;
            this.push(data.subarray(0, at));
            onStall();
            return;
          }
        }
      }
      cb(null, data);
    },
  });
  const [a, b] = duplexPair(watch);
  return {
    ends: [a, b],
    chunks,
    types,
    stalled,
    cut: () => {
      a.destroy();
      b.destroy();
    },
  };
}
