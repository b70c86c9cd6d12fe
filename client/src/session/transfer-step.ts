/** The transfer over an established link: our keys into the transfer context, then send or receive. */
import { createPublicKey } from 'node:crypto';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import type { Role } from '../crypto/handshake';
import { privateKeyFromPem, publicKeyFromBase64 } from '../crypto/identity';
import type { Reporter } from '../report/reporter';
import { receiveFiles } from '../transfer/receiver';
import { sendFiles } from '../transfer/sender';
import type { PhraseConfirmer, TransferContext, TransferSummary } from '../transfer/types';
import { progressEvents, type LinkHooks } from './output';

export interface ContextParts {
  sessionId: string;
  /** Base64 session key from the server. Secret. */
  sessionKey: string;
  me: { username: string; privateKeyPem: string; tlsFingerprint: string };
  /** The peer's identity public key (base64) has been checked against the pin. */
  peer: { username: string; publicKey: string; tlsFingerprint: string };
}

/** The transfer context from the session, our stored identity key and the checked peer. */
export function transferContext(parts: ContextParts): TransferContext {
  const privateKey = privateKeyFromPem(parts.me.privateKeyPem);
  return {
    sessionId: parts.sessionId,
    sessionKey: Buffer.from(parts.sessionKey, 'base64'),
    self: {
      username: parts.me.username,
      identityPrivateKey: privateKey,
      identityPublicKey: createPublicKey(privateKey),
      tlsFingerprint: parts.me.tlsFingerprint,
    },
    peer: {
      username: parts.peer.username,
      identityPublicKey: publicKeyFromBase64(parts.peer.publicKey),
      tlsFingerprint: parts.peer.tlsFingerprint,
    },
  };
}

/** What this side sends (as the sender) or where it keeps what it receives (as the receiver). */
export interface SideFiles {
  paths: string[];
  outDir: string;
  overwrite: boolean;
}

/** FILE... and --out / --overwrite as given on the command line, resolved against `cwd`. */
export function sideFiles(cwd: string, opts: { files?: string[]; out?: string; overwrite?: boolean }): SideFiles {
  return {
    paths: (opts.files ?? []).map((file) => path.resolve(cwd, file)),
    outDir: path.resolve(cwd, opts.out ?? '.'),
    overwrite: Boolean(opts.overwrite),
  };
}

/** How one link's transfer runs (issue 14: one of possibly several links of a session), and what it tells the runner. */
export interface LinkOptions extends LinkHooks {
  /** `--verify`: asked on the session's first link only. */
  confirmPhrase?: PhraseConfirmer;
  /** Receiver: on a lost link keep the partial files and their sidecar for the next link or a rerun. */
  keepPartial: boolean;
  /** Heard once the HELLOs were exchanged (the link is a working link to the right peer). */
  onHello?: () => void;
  /** Filled as file bytes cross this link, for the report's linkBytes when the link is lost. */
  moved: { bytes: number };
}

/** Sends or receives over `socket` as `role`, with progress on the reporter. */
export async function runTransfer(
  socket: Duplex,
  role: Role,
  ctx: TransferContext,
  files: SideFiles,
  reporter: Reporter,
  link: LinkOptions,
): Promise<TransferSummary> {
  const tracker = progressEvents(reporter, role, ctx.peer.username, link);
  const { confirmPhrase, keepPartial } = link;
  try {
    const outcome =
      role === 'sender'
        ? await sendFiles(socket, ctx, files.paths, tracker.events, { confirmPhrase })
        : await receiveFiles(socket, ctx, { outDir: files.outDir, overwrite: files.overwrite, confirmPhrase, keepPartial }, tracker.events);
    return outcome;
  } finally {
    tracker.finish();
  }
}
