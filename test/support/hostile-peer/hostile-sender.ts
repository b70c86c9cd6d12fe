/**
 * A sender that speaks the real protocol (real HELLO, real key derivation, real STREAM chunks and
 * signatures) so its frames look valid, and then lies. attackReceiver() runs one against the real
 * receiveFiles and reports how the receiver ended.
 */
import type { KeyObject } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { makeEphemeralKey, makeHello, type HelloMessage } from '../../../client/src/crypto/handshake';
import { encodeHeader, FrameType } from '../../../client/src/protocol';
import { receiveFiles, type TransferContext, type TransferSummary } from '../../../client/src/transfer';
import { Channel } from '../../../client/src/transfer/channel';
import { CHUNK_SIZE, ChunkSealer } from '../../../client/src/transfer/chunk-cipher';
import { FileHasher, type FileDigests } from '../../../client/src/transfer/digests';
import { runHandshake } from '../../../client/src/transfer/handshake-step';
import { signTransfer } from '../../../client/src/transfer/signature';
import type { HaveMessage } from '../../../client/src/transfer/resume-messages';
import type { FileSummary } from '../../../client/src/transfer/types';
import { makeContexts, type Contexts } from './parties';
import { duplexPair } from './streams';

/**
 * The attacker's end of one link: in memory (attackReceiver) or a real pinned TLS socket to a real
 * `sft` process (./e2e.ts). `ctx` is the sender's own view of the session.
 */
export class HostileSender {
  constructor(
    readonly channel: Channel,
    /** The real file key both sides derived. */
    readonly fileKey: Buffer,
    readonly ctx: TransferContext,
  ) {}

  /** Runs the honest sender half of the handshake on `stream`. */
  static async connect(stream: Duplex, ctx: TransferContext, timeoutMs = 1000): Promise<HostileSender> {
    const channel = new Channel(stream, timeoutMs);
    const { fileKey } = await runHandshake(channel, ctx, 'sender');
    return new HostileSender(channel, fileKey, ctx);
  }

  get sessionId(): string {
    return this.ctx.sessionId;
  }

  /**
   * A MANIFEST with whatever entries we like (an object entry without `mtime` gets `mtime: 0`, as
   * version 3 requires), then the receiver's HAVE (kept in `have`; a first attempt claims nothing). If
   * the receiver refuses the manifest, its ERROR is thrown.
   */
  async manifest(files: unknown[]): Promise<void> {
    const withMtime = files.map((f) => (f && typeof f === 'object' && !Array.isArray(f) && !('mtime' in f) ? { ...f, mtime: 0 } : f));
    await this.channel.sendJson(FrameType.Manifest, { files: withMtime });
    // Generous: preparing a big tree takes a while on a busy machine, and this is no attack on time.
    this.have = await this.channel.expectJson<HaveMessage>(FrameType.Have, 20_000);
  }

  /** The receiver's last HAVE (after `manifest`). */
  have: HaveMessage | null = null;

  /** The sealed chunks of `data` as file `index`, exactly as an honest sender makes them. */
  seal(index: number, data: Buffer): Buffer[] {
    const sealer = new ChunkSealer(this.fileKey, this.sessionId, index, data.length);
    const chunks: Buffer[] = [];
    for (let at = 0; !sealer.done; at += CHUNK_SIZE) chunks.push(sealer.seal(data.subarray(at, at + CHUNK_SIZE)));
    return chunks;
  }

  async chunks(sealed: Buffer[]): Promise<void> {
    for (const chunk of sealed) await this.channel.send(FrameType.Chunk, chunk);
  }

  fileEnd(index: number, digests: FileDigests): Promise<void> {
    return this.channel.sendJson(FrameType.FileEnd, { index, ...digests });
  }

  /** Sends `data` honestly as file `index` (chunks + FILE_END); returns its digests. */
  async sendFile(index: number, data: Buffer): Promise<FileDigests> {
    await this.chunks(this.seal(index, data));
    const d = digestsOf(data);
    await this.fileEnd(index, d);
    return d;
  }

  /** A trailer signature over `files`, by the real sender key unless another key or session is given. */
  sign(files: FileSummary[], opts: { key?: KeyObject; sessionId?: string } = {}): string {
    const t = { sessionId: opts.sessionId ?? this.sessionId, sender: this.ctx.self.username, receiver: this.ctx.peer.username, files };
    return signTransfer(t, opts.key ?? this.ctx.self.identityPrivateKey);
  }

  trailer(signature: unknown): Promise<void> {
    return this.channel.sendJson(FrameType.Trailer, { signature });
  }

  /** A whole honest transfer of `files` (name → content), ending with a valid trailer. */
  async sendAll(files: { name: string; data: Buffer }[]): Promise<void> {
    await this.manifest(files.map((f) => ({ name: f.name, size: f.data.length })));
    const signed: FileSummary[] = [];
    for (const [i, f] of files.entries()) signed.push({ name: f.name, size: f.data.length, ...(await this.sendFile(i, f.data)) });
    await this.trailer(this.sign(signed));
  }

  /** Any frame, even one the protocol does not allow here. */
  frame(type: FrameType, payload: Buffer): Promise<void> {
    return this.channel.send(type, payload);
  }

  /** Raw bytes straight onto the wire (for headers the encoder would refuse to make). */
  raw(bytes: Buffer): void {
    this.channel.stream.write(bytes);
  }

  /** Waits for the receiver's RESULT frame and returns its payload. */
  async result(): Promise<unknown> {
    return this.channel.expectJson(FrameType.Result);
  }

  /** Closes our end of the link once what we wrote is flushed, without reading the receiver's answer. */
  hangUp(): Promise<void> {
    const stream = this.channel.stream;
    return new Promise((resolve) => {
      stream.once('close', () => resolve());
      stream.end(() => stream.destroy());
    });
  }
}

/** CRC32 and SHA-256 of `data`, as FILE_END carries them. */
export function digestsOf(data: Buffer): FileDigests {
  const h = new FileHasher();
  h.update(data);
  return h.digest();
}

/** A frame header announcing `length` bytes, without the encoder's limit check. */
export function rawHeader(type: number, length: number): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(length, 1);
  return header;
}

export { encodeHeader };

/** What to lie about in our own HELLO. */
export interface HelloLie {
  identityKey?: KeyObject;
  username?: string;
  role?: 'sender' | 'receiver';
  sessionId?: string;
  version?: number;
  x25519?: Buffer;
  /** Our TLS fingerprint as signed (default: the one in the context). */
  ownTlsFingerprint?: string;
}

/** Sends a HELLO built from our side `ctx` with the lies in `lie` (signed by `lie.identityKey` or the real key). */
export async function sendLyingHello(channel: Channel, ctx: TransferContext, lie: HelloLie): Promise<void> {
  const hello: HelloMessage = makeHello({
    sessionId: lie.sessionId ?? ctx.sessionId,
    role: lie.role ?? 'sender',
    username: lie.username ?? ctx.self.username,
    identityPrivateKey: lie.identityKey ?? ctx.self.identityPrivateKey,
    x25519: lie.x25519 ?? makeEphemeralKey().publicRaw,
    authorTlsFingerprint: lie.ownTlsFingerprint ?? ctx.self.tlsFingerprint,
    otherTlsFingerprint: ctx.peer.tlsFingerprint,
  });
  if (lie.version !== undefined) hello.version = lie.version;
  await channel.sendJson(FrameType.Hello, hello);
}

export interface AttackOutcome {
  /** What receiveFiles rejected with (undefined if it resolved). */
  error?: unknown;
  result?: TransferSummary;
  /** The error the attack script itself hit (the receiver usually hangs up on it); for debugging. */
  attackError?: unknown;
}

export interface AttackOptions {
  outDir: string;
  overwrite?: boolean;
  idleTimeoutMs?: number;
  /** Resume: keep partial files after a link failure (ReceiveOptions.keepPartial). */
  keepPartial?: boolean;
  /** Skip the honest handshake: the script gets a bare channel to lie in HELLO itself. */
  rawHandshake?: (channel: Channel, contexts: Contexts) => Promise<void>;
  contexts?: Contexts;
}

/** Runs the real receiveFiles against `script`; returns when the receiver has finished either way. */
export async function attackReceiver(opts: AttackOptions, script?: (s: HostileSender) => Promise<void>): Promise<AttackOutcome> {
  const contexts = opts.contexts ?? makeContexts();
  const [attacker, victim] = duplexPair();
  const receiving = receiveFiles(victim, contexts.receiver, {
    outDir: opts.outDir,
    overwrite: opts.overwrite,
    keepPartial: opts.keepPartial,
    idleTimeoutMs: opts.idleTimeoutMs ?? 3000,
  });
  receiving.catch(() => undefined);
  let attackError: unknown;
  try {
    if (opts.rawHandshake) await opts.rawHandshake(new Channel(attacker, 1000), contexts);
    else await script?.(await HostileSender.connect(attacker, contexts.sender));
  } catch (err) {
    attackError = err;
  }
  return receiving.then(
    (result) => ({ result, attackError }),
    (error: unknown) => ({ error, attackError }),
  );
}
