/**
 * The dialing end of the peer link: TLS 1.3 with our ephemeral certificate, trusting only the host's
 * exact certificate (sole `ca` + fingerprint check in checkServerIdentity; the hostname is not checked
 * because the certificate is pinned). Connection refusals and resets are retried with backoff.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { KeyAndCert } from '../../../certs/src/x509';
import { ReadTap } from '../protocol/read-tap';
import { PeerLinkError } from './errors';
import { assertCertificateMatches, derMatches, pinnedTlsOptions } from './pinning';
import type { PeerCertificate } from './types';

/** Default time for all attempts together. */
export const DEFAULT_DIAL_TIMEOUT_MS = 30_000;
const FIRST_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 3_000;
/** Errors worth another attempt: the host may not be listening yet, or dropped us while it waited. */
const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

export interface DialOptions {
  host: string;
  port: number;
  own: KeyAndCert;
  peer: PeerCertificate;
  timeoutMs?: number;
  /** Stops dialing (a pending attempt is destroyed): rejects with PeerLinkError('unreachable'). */
  signal?: AbortSignal;
  /** Called with the error code of each failed attempt that will be retried (e.g. ECONNREFUSED). */
  onRetry?: (code: string) => void;
}

export async function dialPeer(opts: DialOptions): Promise<TLSSocket> {
  assertCertificateMatches(opts.peer);
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS);
  let backoff = FIRST_BACKOFF_MS;
  for (;;) {
    const remaining = deadline - Date.now();
    if (opts.signal?.aborted) throw cancelled(opts);
    if (remaining <= 0) throw new PeerLinkError('unreachable', `Could not reach the peer at ${opts.host}:${opts.port} in time.`);
    try {
      return await attempt(opts, remaining);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (err instanceof PeerLinkError || !RETRYABLE.has(code)) throw toDialError(err, opts);
      if (Date.now() + backoff >= deadline) {
        throw new PeerLinkError('unreachable', `Could not reach the peer at ${opts.host}:${opts.port} (${code}).`, { cause: err });
      }
      opts.onRetry?.(code);
      await sleep(backoff, opts.signal);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }
}

function cancelled(opts: DialOptions): PeerLinkError {
  return new PeerLinkError('unreachable', `Stopped dialing the peer at ${opts.host}:${opts.port}.`);
}

/** Waits `ms`, or less when `signal` aborts (never rejects). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}

function attempt(opts: DialOptions, timeoutMs: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(cancelled(opts));
    let pinMismatch = false;
    // Reads go into one reused buffer, taken by the transfer's FrameReader (protocol/read-tap.ts).
    const tap = new ReadTap();
    const options: ConnectionOptions & { onread: ReadTap['onread'] } = {
      host: opts.host,
      port: opts.port,
      onread: tap.onread,
      ...pinnedTlsOptions(opts.own, opts.peer),
      servername: 'sft-peer',
      checkServerIdentity: (_host, cert) => {
        if (derMatches(cert.raw, opts.peer.fingerprint)) return undefined;
        pinMismatch = true;
        return new Error("The peer's certificate is not the pinned one.");
      },
    };
    const socket = connect(options); // `onread` is Node's (net.Socket's, honoured by tls.connect); @types/node leaves it out
    tap.register(socket);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new PeerLinkError('unreachable', `Timed out connecting to the peer at ${opts.host}:${opts.port}.`));
    }, timeoutMs);
    const onAbort = () => {
      clearTimeout(timer);
      socket.destroy();
      reject(cancelled(opts));
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('close', () => opts.signal?.removeEventListener('abort', onAbort));
    socket.once('secureConnect', () => {
      opts.signal?.removeEventListener('abort', onAbort);
      clearTimeout(timer);
      socket.off('error', onError);
      socket.on('error', () => undefined); // later errors surface through reads and writes (see FrameReader)
      resolve(socket);
    });
    const onError = (err: Error): void => {
      opts.signal?.removeEventListener('abort', onAbort);
      clearTimeout(timer);
      socket.destroy();
      reject(pinMismatch ? new PeerLinkError('tls', "The peer presented a certificate other than the pinned one; refused.", { cause: err }) : err);
    };
    socket.once('error', onError);
  });
}

function toDialError(err: unknown, opts: DialOptions): PeerLinkError {
  if (err instanceof PeerLinkError) return err;
  const e = err as NodeJS.ErrnoException;
  return new PeerLinkError('tls', `Secure connection to the peer at ${opts.host}:${opts.port} failed: ${e.message}`, { cause: err });
}
