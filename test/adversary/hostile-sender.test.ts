/**
 * The real receiveFiles against a sender that completes a real handshake and then lies. Every attack
 * must end in a TransferError with the expected code, and the whole temp area (the output directory,
 * its pre-existing file and a sibling "outside" directory) must be exactly as it was before.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FrameType, MAX_PAYLOAD, PROTOCOL_VERSION } from '../../client/src/protocol';
import { receiveFiles, TransferError, type TransferErrorCode } from '../../client/src/transfer';
import { CHUNK_SIZE } from '../../client/src/transfer/chunk-cipher';
import { MAX_FILES } from '../../client/src/transfer/manifest';
import { withArena, snapshotTree, type Arena } from '../support/hostile-peer/fs-snapshot';
import { attackReceiver, digestsOf, rawHeader, sendLyingHello, type AttackOutcome, type HostileSender, type HelloLie } from '../support/hostile-peer/hostile-sender';
import { makeContexts, makeParty } from '../support/hostile-peer/parties';

/** Runs `script` against receiveFiles in a fresh arena; expects `code` and an untouched arena. */
async function expectRefusedCleanly(code: TransferErrorCode, script: (s: HostileSender, arena: Arena) => Promise<void>, idleTimeoutMs?: number): Promise<AttackOutcome> {
  return withArena(async (arena) => {
    const before = await snapshotTree(arena.root);
    const outcome = await attackReceiver({ outDir: arena.outDir, idleTimeoutMs }, (s) => script(s, arena));
    expect(outcome.error).toBeInstanceOf(TransferError);
    expect((outcome.error as TransferError).code).toBe(code);
    expect(await snapshotTree(arena.root)).toEqual(before);
    return outcome;
  });
}

/** A manifest offering one file named `name` and then (if accepted) the honest file. */
function offerName(name: string) {
  return async (s: HostileSender) => {
    await s.sendAll([{ name, data: Buffer.from('payload') }]);
  };
}

describe(`${receiveFiles.name} against hostile file names`, () => {
  const hostile: [string, unknown][] = [
    ['a parent-directory escape', '../escaped.txt'],
    ['a nested parent-directory escape', 'docs/../../escaped.txt'],
    ['an absolute path', '/tmp/sft-adversary-absolute.txt'],
    ['a Windows drive path', 'C:\\Windows\\evil.txt'],
    ['a Windows relative backslash path', '..\\escaped.txt'],
    ['a NUL byte', 'ok.txt\u0000.exe'],
    ['a newline', 'line\nbreak.txt'],
    ['an ANSI escape sequence', '\u001b[31mred\u001b[0m.txt'],
    ['a C1 control (CSI)', 'x\u009b2J.txt'],
    ['the right-to-left override U+202E', 'invoice\u202etxt.exe'],
    ['the device name CON', 'CON'],
    ['the device name NUL.txt', 'NUL.txt'],
    ['a device name inside a directory', 'docs/aux.log'],
    ['the device name COM1', 'com1'],
    ['a name ending in a dot', 'trailing.'],
    ['an empty name', ''],
    ['a "." segment', './keep.txt'],
    ['a non-string name', 42],
  ];
  for (const [what, name] of hostile) {
    it(`refuses ${what} and writes nothing anywhere`, async () => {
      await expectRefusedCleanly('unsafe_name', (s) => s.manifest([{ name, size: 7 }]));
    });
  }

  it('shows a U+202E name escaped in the error message', async () => {
    const outcome = await expectRefusedCleanly('unsafe_name', (s) => s.manifest([{ name: 'invoice\u202etxt.exe', size: 7 }]));
    const message = (outcome.error as Error).message;
    expect(message).not.toContain('\u202e');
    expect(message).toContain('\\u202e');
  });

  it('shows an ANSI escape sequence escaped in the error message', async () => {
    const outcome = await expectRefusedCleanly('unsafe_name', (s) => s.manifest([{ name: '\u001b]0;pwned\u0007x', size: 7 }]));
    // eslint-disable-next-line no-control-regex -- asserting control characters are absent
    expect((outcome.error as Error).message).not.toMatch(/[\u0000-\u001f]/);
  });

  it('refuses names that differ only in letter case (they collide on case-insensitive disks)', async () => {
    await expectRefusedCleanly('unsafe_name', (s) => s.manifest([{ name: 'Report.txt', size: 1 }, { name: 'report.TXT', size: 1 }]));
  });

  it('refuses names that collide after Unicode normalization (NFC vs NFD)', async () => {
    await expectRefusedCleanly('unsafe_name', (s) => s.manifest([{ name: 'caf\u00e9.txt', size: 1 }, { name: 'cafe\u0301.txt', size: 1 }]));
  });

  it('refuses a file name that is also used as a directory', async () => {
    await expectRefusedCleanly('unsafe_name', (s) => s.manifest([{ name: 'a', size: 1 }, { name: 'a/b', size: 1 }]));
  });

  it('refuses the name of a file that already exists in the output directory', async () => {
    await expectRefusedCleanly('exists', offerName('keep.txt'));
  });

  it('keeps full-width "．．／" as one literal name inside the output directory', async () => {
    await withArena(async (arena) => {
      const before = await snapshotTree(arena.outside);
      const outcome = await attackReceiver({ outDir: arena.outDir }, offerName('\uff0e\uff0e\uff0fescaped.txt'));
      expect(outcome.error).toBeUndefined();
      expect(await snapshotTree(arena.outside)).toEqual(before);
      expect((await snapshotTree(arena.root)).filter((l) => l.includes('escaped'))).toEqual([expect.stringMatching(/^out\/．．／escaped\.txt file 7 /)]);
    });
  });

  it('writes a manifest entry that claims to be a symlink as a plain file', async () => {
    await withArena(async (arena) => {
      const data = Buffer.from('payload');
      const outcome = await attackReceiver({ outDir: arena.outDir }, async (s) => {
        await s.manifest([{ name: 'link', size: data.length, type: 'symlink', target: '/etc/passwd', linkname: '../outside/secret.txt' }]);
        const d = await s.sendFile(0, data);
        await s.trailer(s.sign([{ name: 'link', size: data.length, ...d }]));
      });
      expect(outcome.error).toBeUndefined();
      expect((await snapshotTree(arena.outDir)).find((l) => l.startsWith('link '))).toMatch(/^link file 7 /);
    });
  });
});

describe(`${receiveFiles.name} against lying sizes, digests and signatures`, () => {
  it('refuses a file with more bytes than the manifest announced', async () => {
    await expectRefusedCleanly('integrity', async (s) => {
      await s.manifest([{ name: 'a.bin', size: 10 }]);
      await s.chunks(s.seal(0, randomBytes(20)));
    });
  });

  it('refuses a file with fewer bytes than the manifest announced', async () => {
    await expectRefusedCleanly('integrity', async (s) => {
      await s.manifest([{ name: 'a.bin', size: 10 }]);
      await s.chunks(s.seal(0, randomBytes(5)));
    });
  });

  it('refuses a multi-chunk file announced as a single chunk', async () => {
    await expectRefusedCleanly('integrity', async (s) => {
      await s.manifest([{ name: 'a.bin', size: 100 }]);
      await s.chunks(s.seal(0, randomBytes(CHUNK_SIZE + 100)));
    });
  });

  it('refuses a FILE_END whose SHA-256 does not match', async () => {
    await expectRefusedCleanly('integrity', async (s) => {
      const data = randomBytes(100);
      await s.manifest([{ name: 'a.bin', size: 100 }]);
      await s.chunks(s.seal(0, data));
      await s.fileEnd(0, { ...digestsOf(data), sha256: digestsOf(randomBytes(100)).sha256 });
    });
  });

  it('refuses a FILE_END whose CRC32 does not match', async () => {
    await expectRefusedCleanly('integrity', async (s) => {
      const data = randomBytes(100);
      await s.manifest([{ name: 'a.bin', size: 100 }]);
      await s.chunks(s.seal(0, data));
      await s.fileEnd(0, { ...digestsOf(data), crc32: '00000000' });
    });
  });

  it('refuses a FILE_END that names another file index', async () => {
    await expectRefusedCleanly('protocol', async (s) => {
      const data = randomBytes(100);
      await s.manifest([{ name: 'a.bin', size: 100 }]);
      await s.chunks(s.seal(0, data));
      await s.fileEnd(1, digestsOf(data));
    });
  });

  it('refuses a trailer without a signature and keeps the verified files out of place', async () => {
    await expectRefusedCleanly('signature', async (s) => {
      await s.manifest([{ name: 'a.bin', size: 3 }]);
      await s.sendFile(0, Buffer.from('abc'));
      await s.trailer(undefined);
    });
  });

  it('refuses a trailer signed by another key than the sender identity', async () => {
    await expectRefusedCleanly('signature', async (s) => {
      const data = Buffer.from('abc');
      await s.manifest([{ name: 'a.bin', size: 3 }]);
      const d = await s.sendFile(0, data);
      await s.trailer(s.sign([{ name: 'a.bin', size: 3, ...d }], { key: makeParty('mallory').privateKey }));
    });
  });

  it('refuses a trailer signed for another session (replayed)', async () => {
    await expectRefusedCleanly('signature', async (s) => {
      await s.manifest([{ name: 'a.bin', size: 3 }]);
      const d = await s.sendFile(0, Buffer.from('abc'));
      await s.trailer(s.sign([{ name: 'a.bin', size: 3, ...d }], { sessionId: 'other-session' }));
    });
  });

  it('refuses a trailer signed over other digests than the data sent', async () => {
    await expectRefusedCleanly('signature', async (s) => {
      await s.manifest([{ name: 'a.bin', size: 3 }]);
      await s.sendFile(0, Buffer.from('abc'));
      await s.trailer(s.sign([{ name: 'a.bin', size: 3, ...digestsOf(Buffer.from('xyz')) }]));
    });
  });

  it('refuses a second file whose trailer is bad and keeps the first one out of place too', async () => {
    await expectRefusedCleanly('signature', async (s) => {
      await s.manifest([{ name: 'one.txt', size: 3 }, { name: 'two.txt', size: 3 }]);
      const d1 = await s.sendFile(0, Buffer.from('one'));
      await s.sendFile(1, Buffer.from('two'));
      await s.trailer(s.sign([{ name: 'one.txt', size: 3, ...d1 }]));
    });
  });
  it('refuses a manifest larger than the free space before writing anything', async () => {
    await expectRefusedCleanly('no_space', (s) => s.manifest([{ name: 'huge.bin', size: 2 ** 52 }]));
  });
});

describe(`${receiveFiles.name} against a tampered chunk stream`, () => {
  const data = randomBytes(3 * CHUNK_SIZE - 1000);
  const manifest = [{ name: 'big.bin', size: data.length }];

  it('refuses chunks sent out of order', async () => {
    await expectRefusedCleanly('integrity', async (s) => {
      const [c0, c1, c2] = s.seal(0, data);
      await s.manifest(manifest);
      await s.chunks([c1, c0, c2]);
    });
  });

  it('refuses a duplicated chunk', async () => {
    await expectRefusedCleanly('integrity', async (s) => {
      const [c0, c1, c2] = s.seal(0, data);
      await s.manifest(manifest);
      await s.chunks([c0, c0, c1, c2]);
    });
  });

  it('refuses a dropped chunk', async () => {
    await expectRefusedCleanly('integrity', async (s) => {
      const [c0, , c2] = s.seal(0, data);
      await s.manifest(manifest);
      await s.chunks([c0, c2]);
    });
  });

  it('refuses a truncated chunk', async () => {
    await expectRefusedCleanly('integrity', async (s) => {
      const [c0, c1, c2] = s.seal(0, data);
      await s.manifest(manifest);
      await s.chunks([c0, c1, c2.subarray(0, c2.length - 1)]);
    });
  });

  it('refuses a file that ends (FILE_END) before its last chunk', async () => {
    await expectRefusedCleanly('integrity', async (s) => {
      const [c0, c1] = s.seal(0, data);
      await s.manifest(manifest);
      await s.chunks([c0, c1]);
      await s.fileEnd(0, digestsOf(data.subarray(0, 2 * CHUNK_SIZE)));
    });
  });

  it('refuses a chunk with one flipped bit', async () => {
    await expectRefusedCleanly('integrity', async (s) => {
      const [c0] = s.seal(0, data);
      c0[100] ^= 1;
      await s.manifest(manifest);
      await s.chunks([c0]);
    });
  });

  it('refuses a chunk moved from another file of the same transfer', async () => {
    await expectRefusedCleanly('integrity', async (s) => {
      const small = Buffer.from('same size');
      await s.manifest([{ name: 'a.txt', size: small.length }, { name: 'b.txt', size: small.length }]);
      await s.chunks(s.seal(1, small));
    });
  });

  it('stops a never-ending stream of chunks at the size the manifest announced', async () => {
    let sent = 0;
    await expectRefusedCleanly('integrity', async (s) => {
      const small = randomBytes(1000);
      await s.manifest([{ name: 'a.bin', size: small.length }]);
      const [chunk] = s.seal(0, small);
      for (; sent < 10_000; sent++) {
        s.channel.throwIfPeerReported(); // the receiver's ERROR frame ends the flood
        await s.frame(FrameType.Chunk, chunk);
      }
    });
    expect(sent).toBeLessThan(10_000);
  });
});

describe(`${receiveFiles.name} against broken framing`, () => {
  it('refuses a frame header that announces more than the size limit, before buffering it', async () => {
    await expectRefusedCleanly('protocol', async (s) => {
      await s.manifest([{ name: 'a.bin', size: 10 }]);
      s.raw(rawHeader(FrameType.Chunk, MAX_PAYLOAD + 1)); // no payload follows: the header alone must be refused
    });
  });

  it('refuses a frame of an unknown type', async () => {
    await expectRefusedCleanly('protocol', async (s) => {
      s.raw(Buffer.concat([rawHeader(99, 2), Buffer.from('{}')]));
    });
  });

  it('refuses a manifest that is not JSON', async () => {
    await expectRefusedCleanly('protocol', (s) => s.frame(FrameType.Manifest, Buffer.from('\u0000not json')));
  });

  it('refuses a negative or fractional size', async () => {
    await expectRefusedCleanly('protocol', (s) => s.manifest([{ name: 'a.bin', size: -1 }, { name: 'b.bin', size: 1.5 }]));
  });

  it('refuses more files than the per-transfer limit', async () => {
    await expectRefusedCleanly('protocol', (s) => s.manifest(Array.from({ length: MAX_FILES + 1 }, (_, i) => ({ name: `f${i}`, size: 0 }))));
  });

  it('refuses a TRAILER before the files', async () => {
    await expectRefusedCleanly('protocol', async (s) => {
      await s.manifest([{ name: 'a.bin', size: 3 }]);
      await s.trailer('x');
    });
  });

  it('times out a frame that trickles in and never completes', async () => {
    await expectRefusedCleanly(
      'timeout',
      async (s) => {
        await s.manifest([{ name: 'a.bin', size: 1000 }]);
        s.raw(rawHeader(FrameType.Chunk, 1016));
        for (let i = 0; i < 8; i++) {
          s.raw(Buffer.alloc(1));
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      200,
    );
  });

  it('times out a sender that goes silent halfway through a file', async () => {
    await expectRefusedCleanly(
      'timeout',
      async (s) => {
        const data = randomBytes(2 * CHUNK_SIZE);
        await s.manifest([{ name: 'a.bin', size: data.length }]);
        await s.chunks(s.seal(0, data).slice(0, 1));
      },
      300,
    );
  });
});

describe(`${receiveFiles.name} against a lying HELLO`, () => {
  async function expectHelloRefused(code: TransferErrorCode, lie: HelloLie): Promise<void> {
    await withArena(async (arena) => {
      const before = await snapshotTree(arena.root);
      const contexts = makeContexts();
      const outcome = await attackReceiver({ outDir: arena.outDir, contexts, rawHandshake: (ch, c) => sendLyingHello(ch, c.sender, lie) });
      expect(outcome.error).toMatchObject({ code });
      expect(await snapshotTree(arena.root)).toEqual(before);
    });
  }

  it('refuses a HELLO signed by another identity key', async () => {
    await expectHelloRefused('signature', { identityKey: makeParty('mallory').privateKey });
  });

  it('refuses a HELLO from another username', async () => {
    await expectHelloRefused('signature', { username: 'mallory' });
  });

  it('refuses a HELLO claiming the receiver role', async () => {
    await expectHelloRefused('signature', { role: 'receiver' });
  });

  it('refuses a HELLO signed for another session (replayed)', async () => {
    await expectHelloRefused('signature', { sessionId: 'old-session' });
  });

  it('refuses a HELLO signed for another TLS certificate', async () => {
    await expectHelloRefused('signature', { ownTlsFingerprint: randomBytes(32).toString('hex') });
  });

  it('refuses a HELLO of another protocol version', async () => {
    await expectHelloRefused('version', { version: PROTOCOL_VERSION + 1 });
  });

  it('refuses a HELLO of protocol version 2 (no resume negotiation)', async () => {
    await expectHelloRefused('version', { version: 2 });
  });

  it('refuses a HELLO of protocol version 1 (256 KiB chunks)', async () => {
    await expectHelloRefused('version', { version: 1 });
  });

  it('refuses an all-zero X25519 key', async () => {
    await expectHelloRefused('protocol', { x25519: Buffer.alloc(32) });
  });

  it('accepts an honest HELLO (control for the cases above)', async () => {
    await withArena(async (arena) => {
      const outcome = await attackReceiver({ outDir: arena.outDir }, offerName('fine.txt'));
      expect(outcome.error).toBeUndefined();
      expect(await snapshotTree(arena.outDir)).toEqual(expect.arrayContaining([expect.stringMatching(/^fine\.txt file 7 /)]));
    });
  });
});
