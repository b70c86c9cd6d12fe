/**
 * The direct path: the host listens and advertises its address in the session, the joiner dials it.
 * Both ends pin the other's exact ephemeral certificate (client/src/peer). See connector.ts.
 */
import * as os from 'node:os';
import { isIP } from 'node:net';
import type { Endpoint } from '../api/types';
import { dialPeer, listenForPeer, PeerLinkError, type PeerCertificate, type PeerListener } from '../peer';
import type { Connector, LinkRequest, PeerLink, PrepareContext } from './connector';

/** How long the host waits for the joiner's TLS connection once the server says they joined. */
const ACCEPT_TIMEOUT_MS = 60_000;

/**
 * The host's end: binds `listen` before the session exists (its port goes into the session), then
 * accepts only the joiner's certificate once the server has told us which one that is.
 */
export class DirectListen implements Connector {
  private listener?: PeerListener;
  private resolvePeer: (peer: PeerCertificate) => void = () => undefined;

  constructor(
    private readonly listen: Endpoint = { host: '0.0.0.0', port: 0 },
    private readonly advertise?: Endpoint,
  ) {}

  async prepare({ own, serverUrl }: PrepareContext): Promise<Endpoint> {
    const expectedPeer = new Promise<PeerCertificate>((resolve) => (this.resolvePeer = resolve));
    const listener = await listenForPeer({ host: this.listen.host, port: this.listen.port, own, expectedPeer });
    this.listener = listener;
    return this.advertise ?? { host: defaultAdvertiseHost(this.listen.host, serverUrl), port: listener.port };
  }

  async connect({ peer }: LinkRequest): Promise<PeerLink> {
    if (!this.listener) throw new Error('DirectListen.connect() before prepare().');
    this.resolvePeer(peer);
    const socket = await this.listener.accept(ACCEPT_TIMEOUT_MS);
    return { socket, path: { via: 'direct', address: hostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0) } };
  }

  close(): void {
    void this.listener?.close();
  }
}

/**
 * The joiner's end: dials the endpoint the host advertised, accepting only the host's exact certificate.
 * `onRefused` hears of each refused (or reset, unreachable) attempt while it keeps retrying.
 */
export class DirectDial implements Connector {
  private readonly stop = new AbortController();

  constructor(private readonly onRefused?: (code: string) => void) {}

  prepare(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  async connect({ session, own, peer }: LinkRequest): Promise<PeerLink> {
    const { endpoint } = session;
    if (!endpoint) throw new PeerLinkError('unreachable', `${session.host} can only be reached through the relay (they used --relay only).`);
    const socket = await dialPeer({ host: endpoint.host, port: endpoint.port, own, peer, signal: this.stop.signal, onRetry: this.onRefused });
    return { socket, path: { via: 'direct', address: hostPort(endpoint.host, endpoint.port) } };
  }

  /** Stops a dial still in progress; a socket already dialled belongs to the transfer. */
  close(): void {
    this.stop.abort();
  }
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
