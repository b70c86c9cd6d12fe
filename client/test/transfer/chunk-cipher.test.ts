import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CHUNK_SIZE, ChunkOpener, ChunkSealer, chunkCount, chunkNonce } from '../../src/transfer/chunk-cipher';

const KEY = randomBytes(32);
const SESSION = 'sess-1';

/** Seals a file of `size` random bytes into its chunks. */
function seal(size: number, fileIndex = 0, key = KEY, session = SESSION): { plain: Buffer; chunks: Buffer[] } {
  const plain = randomBytes(size);
  const sealer = new ChunkSealer(key, session, fileIndex, size);
  const chunks: Buffer[] = [];
  for (let off = 0; !sealer.done; off += CHUNK_SIZE) chunks.push(sealer.seal(plain.subarray(off, Math.min(off + CHUNK_SIZE, size))));
  return { plain, chunks };
}

function openAll(chunks: Buffer[], size: number, fileIndex = 0): Buffer {
  const opener = new ChunkOpener(KEY, SESSION, fileIndex, size);
  const out = chunks.map((c) => opener.open(c));
  opener.finish();
  return Buffer.concat(out);
}

const SIZE = 3 * CHUNK_SIZE + 100; // four chunks, the last one short

describe(ChunkOpener.name, () => {
  it('opens what the sealer sealed, byte for byte', () => {
    const { plain, chunks } = seal(SIZE);
    expect(openAll(chunks, SIZE).equals(plain)).toBe(true);
  });

  it('sends an empty file as one empty final chunk', () => {
    const { chunks } = seal(0);
    expect(chunks).toHaveLength(1);
    expect(openAll(chunks, 0)).toHaveLength(0);
  });

  it('detects a flipped ciphertext bit', () => {
    const { chunks } = seal(SIZE);
    chunks[1][10] ^= 0x01;
    expect(() => openAll(chunks, SIZE)).toThrow(expect.objectContaining({ code: 'integrity' }));
  });

  it('detects a flipped tag bit', () => {
    const { chunks } = seal(SIZE);
    chunks[0][chunks[0].length - 1] ^= 0x80;
    expect(() => openAll(chunks, SIZE)).toThrow(expect.objectContaining({ code: 'integrity' }));
  });

  it('detects reordered chunks', () => {
    const { chunks } = seal(SIZE);
    [chunks[0], chunks[1]] = [chunks[1], chunks[0]];
    expect(() => openAll(chunks, SIZE)).toThrow(expect.objectContaining({ code: 'integrity' }));
  });

  it('detects a dropped chunk', () => {
    const { chunks } = seal(SIZE);
    chunks.splice(1, 1);
    expect(() => openAll(chunks, SIZE)).toThrow(expect.objectContaining({ code: 'integrity' }));
  });

  it('detects a duplicated chunk', () => {
    const { chunks } = seal(SIZE);
    chunks.splice(1, 0, chunks[1]);
    expect(() => openAll(chunks, SIZE)).toThrow(expect.objectContaining({ code: 'integrity' }));
  });

  it('detects truncation at a chunk boundary', () => {
    const { chunks } = seal(SIZE);
    expect(() => openAll(chunks.slice(0, 3), SIZE)).toThrow(expect.objectContaining({ code: 'integrity' }));
  });

  it('detects an extra chunk after the final one', () => {
    const { chunks } = seal(SIZE);
    const extra = seal(CHUNK_SIZE).chunks[0];
    expect(() => openAll([...chunks, extra], SIZE)).toThrow(/after the final/);
  });

  it('refuses a non-final chunk sealed as final (a file cut short and re-sealed)', () => {
    // The sender claims 2 chunks' worth but seals the first chunk as if it were the final one of a 1-chunk file.
    const { chunks } = seal(CHUNK_SIZE);
    const opener = new ChunkOpener(KEY, SESSION, 0, 2 * CHUNK_SIZE);
    expect(() => opener.open(chunks[0])).toThrow(expect.objectContaining({ code: 'integrity' }));
  });

  it('detects a size lie: more bytes than the manifest said', () => {
    const { chunks } = seal(SIZE);
    expect(() => openAll(chunks, SIZE - 1)).toThrow(expect.objectContaining({ code: 'integrity' }));
  });

  it('detects a size lie: fewer bytes than the manifest said', () => {
    const { chunks } = seal(SIZE);
    expect(() => openAll(chunks, SIZE + CHUNK_SIZE)).toThrow(expect.objectContaining({ code: 'integrity' }));
  });

  it('refuses a chunk moved from another file of the same transfer', () => {
    const { chunks } = seal(100, 1);
    expect(() => openAll(chunks, 100, 0)).toThrow(expect.objectContaining({ code: 'integrity' }));
  });

  it('refuses a chunk from another session with the same key', () => {
    const { chunks } = seal(100, 0, KEY, 'other-session');
    expect(() => openAll(chunks, 100)).toThrow(expect.objectContaining({ code: 'integrity' }));
  });
});

describe(chunkNonce.name, () => {
  it('puts the file index first and sets the top bit of the counter on the final chunk', () => {
    expect(chunkNonce(2, 5, false).toString('hex')).toBe('00000002' + '0000000000000005');
    expect(chunkNonce(2, 5, true).toString('hex')).toBe('00000002' + '8000000000000005');
  });
});

describe(chunkCount.name, () => {
  it('counts one chunk for an empty file and rounds up otherwise', () => {
    expect([chunkCount(0), chunkCount(1), chunkCount(CHUNK_SIZE), chunkCount(CHUNK_SIZE + 1)]).toEqual([1, 1, 1, 2]);
  });
});
