/**
 * The direct path: the host listens and advertises its address in the session, the joiner dials it.
 * Both ends pin the other's exact ephemeral certificate (client/src/peer). See connector.ts.
 */
import * as os from 'node:os';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Endpoint } from '../api/types';
import { dialPeer, listenForPeer, type PeerCertificate, type PeerListener } from '../peer';
import type { Connector, LinkRequest, PrepareContext } from './connector';

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

  connect({ peer }: LinkRequest): Promise<Duplex> {
    if (!this.listener) return Promise.reject(new Error('DirectListen.connect() before prepare().'));
    this.resolvePeer(peer);
    return this.listener.accept(ACCEPT_TIMEOUT_MS);
  }

  close(): void {
    void this.listener?.close();
  }
}

/** The joiner's end: dials the endpoint the host advertised, accepting only the host's exact certificate. */
export class DirectDial implements Connector {
  prepare(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  connect({ session, own, peer }: LinkRequest): Promise<Duplex> {
    return dialPeer({ host: session.endpoint.host, port: session.endpoint.port, own, peer });
  }

  close(): void {
    // Nothing is held between calls: the socket, once dialled, belongs to the transfer.
  }
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
