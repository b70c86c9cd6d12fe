/**
 * Hostile network pieces for loopback tests: a TLS client with the wrong certificate, a slowloris
 * opener, a man-in-the-middle TLS proxy with its own certificate, and a TCP relay that cuts (or
 * stalls) a connection after N bytes.
 */
import { connect as netConnect, createServer as createNetServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { KeyAndCert } from '../../../certs/src/x509';

export interface Outcome {
  /** Application bytes the client received before the connection closed. */
  bytes: number;
  error?: Error;
}

/** Bytes received on `socket` until it closes, and the error if any. */
export function drain(socket: Socket): Promise<Outcome> {
  return new Promise((resolve) => {
    let bytes = 0;
    let error: Error | undefined;
    socket.on('data', (d: Buffer) => (bytes += d.length));
    socket.on('error', (e) => (error = e));
    socket.on('close', () => resolve({ bytes, error }));
  });
}

/**
 * Connects to a peer listener with `own` (a certificate the host does not expect), trusting the host's
 * real certificate, writes `probe` once connected and reports what came back before the host hung up.
 */
export function strangerConnect(port: number, own: KeyAndCert, hostCertPem: string, probe = Buffer.from('hello?')): Promise<Outcome> {
  const socket = tlsConnect({
    host: '127.0.0.1',
    port,
    key: own.keyPem,
    cert: own.certPem,
    ca: [hostCertPem],
    servername: 'sft-peer',
    minVersion: 'TLSv1.3',
    checkServerIdentity: () => undefined, // the stranger pins the host's exact cert via `ca`
  });
  socket.once('secureConnect', () => socket.write(probe));
  return drain(socket);
}

export interface SlowConnections {
  /** Connections currently open. */
  open(): number;
  /** Connections made so far (including refills). */
  made(): number;
  close(): void;
}

/**
 * Opens `count` TCP connections to `port` that never finish a TLS handshake: each sends one byte of a
 * would-be ClientHello every `dripMs` (slowloris). With `refill`, a connection the host drops is
 * reopened, so the pressure stays on.
 */
export function openSlowConnections(port: number, count: number, opts: { dripMs?: number; refill?: boolean } = {}): SlowConnections {
  const sockets = new Set<Socket>();
  let made = 0;
  let closed = false;
  const openOne = (): void => {
    if (closed) return;
    made++;
    const socket = netConnect({ host: '127.0.0.1', port });
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('connect', () => socket.write(Buffer.from([0x16])));
    const drip = opts.dripMs ? setInterval(() => socket.writable && socket.write(Buffer.from([0x03])), opts.dripMs) : undefined;
    socket.once('close', () => {
      clearInterval(drip);
      sockets.delete(socket);
      if (opts.refill && !closed) setTimeout(openOne, 10);
    });
  };
  for (let i = 0; i < count; i++) openOne();
  return {
    open: () => sockets.size,
    made: () => made,
    close: () => {
      closed = true;
      for (const s of sockets) s.destroy();
    },
  };
}

export interface Relay {
  port: number;
  /** Application bytes the relay saw in clear, per direction (MITM only). */
  seen: { fromClient: number; fromServer: number };
  /** Connections the relay accepted. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A man in the middle: terminates TLS towards the dialer with its own certificate `own`, and dials the
 * real host presenting `own` again (trusting the host's real certificate), relaying what it can read.
 * An sft peer must refuse it on either side before any file byte moves.
 */
export async function startMitmProxy(opts: { targetPort: number; own: KeyAndCert; targetCertPem: string }): Promise<Relay> {
  const seen = { fromClient: 0, fromServer: 0 };
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createTlsServer({ key: opts.own.keyPem, cert: opts.own.certPem, minVersion: 'TLSv1.3' }, (client: TLSSocket) => {
    connections++;
    const upstream = tlsConnect({
      host: '127.0.0.1',
      port: opts.targetPort,
      key: opts.own.keyPem,
      cert: opts.own.certPem,
      ca: [opts.targetCertPem],
      servername: 'sft-peer',
      minVersion: 'TLSv1.3',
      checkServerIdentity: () => undefined,
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.once('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (d: Buffer) => {
      seen.fromClient += d.length;
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      seen.fromServer += d.length;
      client.write(d);
    });
  });
  server.on('tlsClientError', () => undefined);
  return listen(server, sockets, seen, () => connections);
}

/**
 * A plain TCP relay to `targetPort` that forwards everything until `cutAfter` bytes went from the
 * server side to the client side (the host → joiner direction), then either drops both connections
 * ('drop') or stops forwarding but keeps them open ('stall').
 */
export async function startCutter(opts: { targetPort: number; cutAfter: number; mode: 'drop' | 'stall' }): Promise<Relay> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createNetServer((client) => {
    connections++;
    const upstream = netConnect({ host: '127.0.0.1', port: opts.targetPort });
    let forwarded = 0;
    let cut = false;
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.once('close', () => {
        sockets.delete(s);
        if (opts.mode === 'drop' || !cut) {
          client.destroy();
          upstream.destroy();
        }
      });
    }
    client.on('data', (d: Buffer) => {
      if (!cut) upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (cut) return;
      const room = opts.cutAfter - forwarded;
      client.write(d.length <= room ? d : d.subarray(0, room));
      forwarded += Math.min(d.length, room);
      if (forwarded >= opts.cutAfter) {
        cut = true;
        if (opts.mode === 'drop') client.end(() => client.destroy());
      }
    });
  });
  return listen(server, sockets, { fromClient: 0, fromServer: 0 }, () => connections);
}

async function listen(server: Server, sockets: Set<Socket>, seen: Relay['seen'], connections: () => number): Promise<Relay> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    seen,
    connections,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
