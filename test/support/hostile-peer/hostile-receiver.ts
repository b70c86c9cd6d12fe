/**
 * A receiver that speaks the real protocol and then lies or stalls. attackSender() runs one against the
 * real sendFiles and reports how the sender ended and which frame types reached the attacker.
 */
import { FrameType, type Frame } from '../../../client/src/protocol';
import { sendFiles, type TransferSummary } from '../../../client/src/transfer';
import { Channel } from '../../../client/src/transfer/channel';
import { runHandshake } from '../../../client/src/transfer/handshake-step';
import { makeContexts, type Contexts } from './parties';
import { sendLyingHello, type HelloLie } from './hostile-sender';
import { duplexPair } from './streams';

export class HostileReceiver {
  /** Every frame type the attacker received, in order. */
  readonly seen: FrameType[] = [];

  /**
   * `have`: what we answer a MANIFEST with (version 3), before the script sees it; by default an honest
   * first attempt (nothing claimed); null answers nothing (the script does).
   */
  constructor(
    readonly channel: Channel,
    private readonly have: unknown = { files: [], changed: [] },
  ) {}

  /** Reads frames until `type` arrives (returned) or the sender goes away (null). */
  async readUntil(type: FrameType): Promise<Frame | null> {
    for (;;) {
      const frame = await this.channel.next().catch(() => null);
      if (!frame) return null;
      this.seen.push(frame.type);
      if (frame.type === FrameType.Manifest && this.have !== null) await this.send(FrameType.Have, this.have);
      if (frame.type === type) return frame;
    }
  }

  send(type: FrameType, value: unknown): Promise<void> {
    return this.channel.sendJson(type, value);
  }
}

export interface SenderOutcome {
  error?: unknown;
  result?: TransferSummary;
  /** Frame types the hostile receiver saw. */
  seen: FrameType[];
}

/**
 * Runs the real sendFiles of `paths` against `script`. With `helloLie` the receiver's HELLO lies (signed
 * as the receiver role, with the given lies); otherwise it runs the honest receiver handshake first.
 */
export async function attackSender(
  paths: string[],
  script: (r: HostileReceiver) => Promise<void>,
  opts: { helloLie?: HelloLie; idleTimeoutMs?: number; contexts?: Contexts; have?: unknown } = {},
): Promise<SenderOutcome> {
  const contexts = opts.contexts ?? makeContexts();
  const [attacker, victim] = duplexPair();
  const sending = sendFiles(victim, contexts.sender, paths, {}, { idleTimeoutMs: opts.idleTimeoutMs ?? 3000 });
  sending.catch(() => undefined);
  const channel = new Channel(attacker, 1000);
  const receiver = new HostileReceiver(channel, opts.have);
  try {
    if (opts.helloLie) {
      // Lie as the receiver: the HELLO is built from the receiver's side.
      await sendLyingHello(channel, contexts.receiver, { role: 'receiver', ...opts.helloLie });
    } else {
      await runHandshake(channel, contexts.receiver, 'receiver');
    }
    await script(receiver);
  } catch {
    // the sender hung up on us: that is what we are testing
  }
  return sending.then(
    (result) => ({ result, seen: receiver.seen }),
    (error: unknown) => ({ error, seen: receiver.seen }),
  );
}
