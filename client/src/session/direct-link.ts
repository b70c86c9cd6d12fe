/**
 * The direct path: the host listens and advertises its addresses in the session (the endpoint and, when it
 * listens on every interface, its interface addresses: the candidates), the joiner dials them all at once.
 * Both ends pin the other's exact ephemeral certificate (client/src/peer). See connector.ts.
 */
import * as os from 'node:os';
import { isIP } from 'node:net';
import type { Endpoint } from '../api/types';
import { dialPeer, listenForPeer, PeerLinkError, type PeerCertificate, type PeerListener } from '../peer';
import type { TLSSocket } from 'node:tls';
import { untilAborted, type Advertised, type Connector, type LinkRequest, type PeerLink, type PrepareContext } from './connector';

/** How long the host waits for the joiner's TLS connection once the server says they joined. */
const ACCEPT_TIMEOUT_MS = 60_000;

/**
 * The host's end: binds `listen` before the session exists (its port goes into the session), then
 * accepts only the joiner's certificate once the server has told us which one that is.
 */
export class DirectListen implements Connector {
  private listener?: PeerListener;
  private resolvePeer: (peer: PeerCertificate) => void = () => undefined;
  /** connect() was called before: the next one re-arms the same port for a new link. */
  private linked = false;

  constructor(
    private readonly listen: Endpoint = { host: '0.0.0.0', port: 0 },
    private readonly advertise?: Endpoint,
  ) {}

  async prepare({ own, serverUrl }: PrepareContext): Promise<Advertised> {
    const expectedPeer = new Promise<PeerCertificate>((resolve) => (this.resolvePeer = resolve));
    const listener = await listenForPeer({ host: this.listen.host, port: this.listen.port, own, expectedPeer });
    this.listener = listener;
    if (this.advertise) return { endpoint: this.advertise, candidates: [] };
    const endpoint = { host: defaultAdvertiseHost(this.listen.host, serverUrl), port: listener.port };
    const candidates = interfaceCandidates(this.listen.host, serverUrl)
      .filter((host) => host !== endpoint.host)
      .map((host) => ({ host, port: listener.port }));
    return { endpoint, candidates };
  }

  async connect({ peer, signal }: LinkRequest): Promise<PeerLink> {
    const { listener } = this;
    if (!listener) throw new Error('DirectListen.connect() before prepare().');
    if (this.linked) listener.expect(peer);
    else this.resolvePeer(peer);
    this.linked = true;
    const accepting = listener.accept(ACCEPT_TIMEOUT_MS);
    const socket = await untilAborted(accepting, signal, () => {
      listener.expect(peer); // drops the pending accept; the next connect() arms it again
      return new PeerLinkError('unreachable', 'Stopped waiting for the peer to connect.');
    });
    return { socket, path: { via: 'direct', address: hostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0) } };
  }

  close(): void {
    void this.listener?.close();
  }
}

/**
 * The joiner's end: dials every address the host advertised at once, accepting only the host's exact
 * certificate.
 */
export class DirectDial implements Connector {
  private readonly stop = new AbortController();

  /** `onRefused` hears once every candidate has refused (or failed) at least one attempt; the dials go on. */
  constructor(private readonly onRefused?: () => void) {}

  prepare(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  /** Dials every candidate at once; the first pinned TLS link wins and the other dials stop. */
  async connect({ session, own, peer, signal: attempt }: LinkRequest): Promise<PeerLink> {
    const { candidates } = session;
    if (candidates.length === 0) throw new PeerLinkError('unreachable', `${session.host} can only be reached through the relay (they used --relay only).`);
    const losers = new AbortController();
    const signal = AbortSignal.any([this.stop.signal, losers.signal, ...(attempt ? [attempt] : [])]);
    const refused = new Set<number>();
    const onRetry = (index: number) => () => {
      refused.add(index);
      if (refused.size === candidates.length) this.onRefused?.();
    };
    let won = false;
    const dials = candidates.map(async ({ host, port }, index): Promise<PeerLink> => {
      const socket: TLSSocket = await dialPeer({ host, port, own, peer, signal, onRetry: onRetry(index) });
      if (won) {
        socket.destroy();
        throw new PeerLinkError('unreachable', 'Another candidate answered first.');
      }
      won = true;
      return { socket, path: { via: 'direct', address: hostPort(host, port) } };
    });
    try {
      return await Promise.any(dials);
    } catch (error) {
      throw firstFailure((error as AggregateError).errors as Error[], candidates);
    } finally {
      losers.abort();
    }
  }

  /** Stops a dial still in progress; a socket already dialled belongs to the transfer. */
  close(): void {
    this.stop.abort();
  }
}

/** All dials failed: a certificate mismatch first, else one line naming every address tried. */
function firstFailure(errors: Error[], candidates: Endpoint[]): Error {
  const tls = errors.find((e) => e instanceof PeerLinkError && e.code === 'tls');
  if (tls || errors.length === 1) return tls ?? errors[0];
  const tried = candidates.map(({ host, port }) => hostPort(host, port)).join(', ');
  return new PeerLinkError('unreachable', `Could not reach the peer at any of ${tried}: ${errors.map((e) => e.message).join(' ')}`, { cause: errors[0] });
}

/**
 * The host's interface addresses the joiner may also dial, when it listens on every address (0.0.0.0: IPv4;
 * `::`: IPv4 and IPv6, not link-local). None when the server is on loopback: the peers are then on one machine
 * and the endpoint is 127.0.0.1 (so tests, whose servers are on loopback, never advertise a machine address).
 */
export function interfaceCandidates(listenHost: string, serverUrl: string): string[] {
  if (listenHost !== '0.0.0.0' && listenHost !== '::') return [];
  if (isLoopback(new URL(serverUrl).hostname.replace(/^\[|\]$/g, ''))) return [];
  const found: string[] = [];
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.internal) continue;
      if (address.family === 'IPv4' || (listenHost === '::' && !address.address.toLowerCase().startsWith('fe80:'))) found.push(address.address);
    }
  }
  return found;
}

/** `host:port`, with brackets around an IPv6 address. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The address the peer should dial when --advertise is not given. */
export function defaultAdvertiseHost(listenHost: string, serverUrl: string): string {
  if (listenHost !== '0.0.0.0' && listenHost !== '::') return listenHost;
  const serverHost = new URL(serverUrl).hostname.replace(/^\[|\]$/g, '');
  if (isLoopback(serverHost)) return '127.0.0.1';
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return '127.0.0.1';
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}
