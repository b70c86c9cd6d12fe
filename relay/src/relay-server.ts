/**
 * The blind relay (`sft relay`, and started by `sft server`): a plain node:net + TLS server, no database,
 * no NestJS. It pairs the host's and the joiner's connection of one session and copies bytes between
 * them; it never parses what it copies (the peers run their pinned TLS 1.3 inside the pipe).
 *
 * One connection's life:
 *   TCP accepted (at most `maxPendingPerAddress` per address still in their opening phase)
 *   → first byte must start a TLS record (else a plain `error:` line) → TLS with the relay's certificate
 *   → the opening line within `openingTimeoutMs` of the TCP accept → ticket checked (signature, relay,
 *   expiry, replay, this link of the session (sid, att) not relayed yet, role free, caps) → waits up to `pairTimeoutMs` for the
 *   other role, sending nothing and accepting nothing → both get `ok\n` → bytes are piped both ways
 *   (backpressure by stream.pipe) until either side closes, the byte cap, the idle timeout or the
 *   lifetime ends it. Every refusal is one `error: <reason>` line to the client and one log line.
 */
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { KeyObject } from 'node:crypto';
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from './relay-limits';
import { errorLine, MAX_OPENING_LINE, OK_LINE, OpeningLineError, parseOpeningLine, parseRelayUrl } from './opening-line';
import { TicketError, verifyTicket, type RelayRole, type RelayTicket } from './ticket';

/** First byte of a TLS handshake record. */
const TLS_HANDSHAKE_RECORD = 0x16;
/** How long a refused or finished connection may take to read its last line before it is cut. */
const CLOSE_GRACE_MS = 2_000;
/** Used ticket ids and relayed session ids kept at most (a bound on memory whatever the traffic). */
const MAX_REMEMBERED = 200_000;
const PRUNE_INTERVAL_MS = 30_000;
/** Used ticket ids are kept this long past their expiry (clock skew). */
const TICKET_MEMORY_SLACK_MS = 120_000;

export interface RelayLogEntry {
  event: 'relay-listening' | 'refused' | 'waiting' | 'paired' | 'closed';
  reason?: string;
  session?: string;
  /** The session's attempt (link index) the ticket is for. */
  attempt?: number;
  role?: RelayRole;
  address?: string;
  bytes?: number;
  url?: string;
}

export interface RelayOptions {
  /** Default 8444; 0 = any free port. */
  port?: number;
  /** Address to bind, default 127.0.0.1. */
  host?: string;
  /** The address tickets name (`tls://name:port`); default `tls://<host>:<bound port>`. */
  url?: string;
  /** Verifies ticket signatures (the server's relay ticket key, public half). */
  publicKey: KeyObject;
  /** Certificate and key the relay serves (clients verify it like the server's). */
  tls: { certPem: string; keyPem: string };
  limits?: Partial<RelayLimits>;
  /** Where log entries go; default one JSON line each on stdout (none when `quiet`). */
  log?: (entry: RelayLogEntry) => void;
  quiet?: boolean;
  /**
   * Sees every chunk a made pair forwards, as forwarded (the blindness test records with it; `sft relay`
   * and `sft server` never set it). Read-only: it cannot change what is forwarded.
   */
  observe?: (session: string, from: RelayRole, chunk: Buffer) => void;
}

export interface RunningRelay {
  /** `tls://host:port`, as tickets name it. */
  url: string;
  host: string;
  port: number;
  /** Live counts, for tests and logs. */
  stats(): { sessions: number; connections: number };
  close(): Promise<void>;
}

export async function startRelay(options: RelayOptions): Promise<RunningRelay> {
  const relay = new Relay(options);
  return relay.listen(options.port ?? 8444, options.host ?? '127.0.0.1');
}

interface Participant {
  socket: TLSSocket;
  ticket: RelayTicket;
  address: string;
  pairTimer: NodeJS.Timeout;
  onEarlyData: () => void;
  /** Paired: the pair's own teardown owns it now. */
  paired: boolean;
  /** Gone before it was paired. */
  left: boolean;
}

/** The connections of one link of one session: the pairing key is (sid, att). */
interface SessionSlots {
  /** `pairKey(ticket)`. */
  key: string;
  sid: string;
  att: number;
  host?: Participant;
  joiner?: Participant;
}

class Relay {
  private readonly limits: RelayLimits;
  private readonly context: SecureContext;
  private readonly log: (entry: RelayLogEntry) => void;
  private readonly server: Server;
  private url = '';
  /** Links (sid, att) with a waiting or paired connection, by `pairKey`. */
  private readonly sessions = new Map<string, SessionSlots>();
  /** Links (sid, att) that were paired once: refused from then on (one pair per link of a session). Value: forget-at (ms). */
  private readonly relayedSessions = new Map<string, number>();
  /** Ticket ids already used. Value: forget-at (ms). */
  private readonly usedTickets = new Map<string, number>();
  private readonly perAccount = new Map<string, number>();
  private readonly pendingPerAddress = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  /** Sockets of a made pair: they may be half-closed (one direction ended, the other still flowing). */
  private readonly pairedSockets = new WeakSet<TLSSocket>();
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: RelayOptions) {
    this.limits = { ...DEFAULT_RELAY_LIMITS, ...options.limits };
    this.context = createSecureContext({ key: options.tls.keyPem, cert: options.tls.certPem, minVersion: 'TLSv1.2' });
    this.log = options.log ?? (options.quiet ? () => undefined : (entry) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`));
    this.server = createNetServer({ allowHalfOpen: true }, (raw) => this.accept(raw));
  }

  async listen(port: number, host: string): Promise<RunningRelay> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => reject(new Error(`Cannot start the relay on ${host}:${port}: ${error.code ?? error.message}.`));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.server.on('error', () => undefined); // after listening, errors belong to single connections
    const address = this.server.address() as { address: string; port: number; family: string };
    const shown = address.address === '0.0.0.0' || address.address === '::' ? 'localhost' : address.address;
    this.url = parseRelayUrl(this.options.url ?? `tls://${address.family === 'IPv6' && shown !== 'localhost' ? `[${shown}]` : shown}:${address.port}`, 'relay url').url;
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_INTERVAL_MS).unref();
    this.log({ event: 'relay-listening', url: this.url });
    return {
      url: this.url,
      host: address.address,
      port: address.port,
      stats: () => ({ sessions: this.sessions.size, connections: this.sockets.size }),
      close: () => this.close(),
    };
  }

  private async close(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** A new TCP connection: the per-address cap, the opening deadline, then TLS. */
  private accept(raw: Socket): void {
    const address = raw.remoteAddress ?? 'unknown';
    this.sockets.add(raw);
    raw.on('error', () => undefined); // a reset shows up as 'close'
    raw.once('close', () => this.sockets.delete(raw));
    const pending = this.pendingPerAddress.get(address) ?? 0;
    if (pending >= this.limits.maxPendingPerAddress) {
      // Refused before TLS: a line could not be read by a TLS client anyway, and a TLS handshake is what the cap saves.
      this.log({ event: 'refused', reason: 'too many pending connections from this address', address });
      raw.destroy();
      return;
    }
    this.pendingPerAddress.set(address, pending + 1);
    let opening = true;
    const endOpening = () => {
      if (!opening) return;
      opening = false;
      clearTimeout(deadline);
      const left = (this.pendingPerAddress.get(address) ?? 1) - 1;
      if (left > 0) this.pendingPerAddress.set(address, left);
      else this.pendingPerAddress.delete(address);
    };
    let socket: TLSSocket | null = null;
    let secure = false;
    const deadline = setTimeout(() => {
      if (socket && secure) return this.refuse(socket, 'no opening line in time', address, endOpening);
      endOpening();
      this.log({ event: 'refused', reason: 'no TLS handshake in time', address });
      raw.destroy();
    }, this.limits.openingTimeoutMs);
    raw.once('close', endOpening);
    // Half-open connections are kept only between paired peers: before that, an end is a goodbye.
    const onRawEnd = () => raw.destroy();
    raw.once('end', onRawEnd);

    raw.once('data', (first: Buffer) => {
      raw.pause();
      raw.unshift(first);
      raw.off('end', onRawEnd);
      if (first[0] !== TLS_HANDSHAKE_RECORD) {
        endOpening();
        this.log({ event: 'refused', reason: 'not TLS', address });
        raw.end(errorLine('this is an sft relay: connect with TLS and send the opening line'));
        setTimeout(() => raw.destroy(), CLOSE_GRACE_MS).unref();
        return;
      }
      socket = new TLSSocket(raw, { isServer: true, secureContext: this.context });
      const tlsSocket = socket;
      // Once TLS owns the connection, the raw socket does not always report its close: the TLS socket does.
      this.sockets.add(tlsSocket);
      tlsSocket.once('end', () => {
        if (!this.isPaired(tlsSocket)) tlsSocket.destroy();
      });
      tlsSocket.once('close', () => {
        endOpening();
        this.sockets.delete(tlsSocket);
        this.sockets.delete(raw);
        raw.destroy();
      });
      tlsSocket.on('error', (error: NodeJS.ErrnoException) => {
        if (!secure) {
          endOpening();
          this.log({ event: 'refused', reason: `TLS handshake failed (${error.code ?? 'error'})`, address });
        }
        tlsSocket.destroy();
      });
      tlsSocket.once('secure', () => {
        secure = true;
        this.readOpeningLine(tlsSocket, address, endOpening);
      });
    });
  }

  /** Collects bytes up to the first newline (at most MAX_OPENING_LINE); anything after it is early data. */
  private readOpeningLine(socket: TLSSocket, address: string, endOpening: () => void): void {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const newline = buffered.indexOf(0x0a);
      if (newline === -1 ? buffered.length >= MAX_OPENING_LINE : newline + 1 > MAX_OPENING_LINE) {
        socket.off('data', onData);
        return this.refuse(socket, 'opening line too long', address, endOpening);
      }
      if (newline === -1) return;
      socket.off('data', onData);
      socket.pause();
      endOpening();
      const line = buffered.subarray(0, newline).toString('latin1');
      if (!/^[\x20-\x7e]*$/.test(line)) return this.refuse(socket, 'bad opening line', address);
      if (newline + 1 < buffered.length) {
        try {
          parseOpeningLine(line);
        } catch (error) {
          if (error instanceof OpeningLineError) return this.refuse(socket, error.reason, address);
          throw error;
        }
        return this.refuse(socket, 'data before ok', address);
      }
      this.admit(socket, line, address);
    };
    socket.on('data', onData);
  }

  /** Checks the ticket and the caps, then parks the connection until its partner arrives. */
  private admit(socket: TLSSocket, line: string, address: string): void {
    let ticket: RelayTicket;
    try {
      ticket = verifyTicket(parseOpeningLine(line), this.options.publicKey, this.url);
    } catch (error) {
      if (error instanceof TicketError || error instanceof OpeningLineError) return this.refuse(socket, error.reason, address);
      throw error;
    }
    const where = { address, session: ticket.sid, attempt: ticket.att, role: ticket.role };
    const key = pairKey(ticket);
    if (this.usedTickets.has(ticket.id)) return this.refuse(socket, 'ticket already used', where);
    if (this.relayedSessions.has(key)) return this.refuse(socket, 'session already relayed', where);
    const slots = this.sessions.get(key);
    if (slots?.[ticket.role]) return this.refuse(socket, `the ${ticket.role} is already connected`, where);
    if (!slots && this.sessions.size >= this.limits.maxSessions) return this.refuse(socket, 'relay busy, try later', where);
    if ((this.perAccount.get(ticket.acct) ?? 0) >= this.limits.maxPerAccount) {
      return this.refuse(socket, 'too many relayed sessions for this account', where);
    }
    if (this.usedTickets.size >= MAX_REMEMBERED) this.prune();
    if (this.usedTickets.size >= MAX_REMEMBERED) return this.refuse(socket, 'relay busy, try later', where);

    this.usedTickets.set(ticket.id, ticket.exp * 1000 + TICKET_MEMORY_SLACK_MS);
    this.perAccount.set(ticket.acct, (this.perAccount.get(ticket.acct) ?? 0) + 1);
    const session = slots ?? { key, sid: ticket.sid, att: ticket.att };
    this.sessions.set(key, session);

    const participant: Participant = {
      socket,
      ticket,
      address,
      paired: false,
      left: false,
      pairTimer: setTimeout(() => {
        this.leave(session, participant);
        this.refuse(socket, 'the other side did not connect in time', where);
      }, this.limits.pairTimeoutMs),
      onEarlyData: () => {
        this.leave(session, participant);
        this.refuse(socket, 'data before ok', where);
      },
    };
    session[ticket.role] = participant;
    socket.on('data', participant.onEarlyData);
    socket.resume();
    socket.once('close', () => {
      if (participant.paired || participant.left) return;
      this.log({ event: 'closed', reason: 'left before the other side connected', ...where });
      this.leave(session, participant);
    });
    this.log({ event: 'waiting', ...where });
    if (session.host && session.joiner) this.pair(session, session.host, session.joiner);
  }

  /** A waiting participant goes (refused, timed out or closed): its slot and its account's count are freed. */
  private leave(session: SessionSlots, participant: Participant): void {
    if (participant.left || participant.paired) return;
    participant.left = true;
    clearTimeout(participant.pairTimer);
    participant.socket.off('data', participant.onEarlyData);
    this.releaseAccount(participant.ticket.acct);
    if (session[participant.ticket.role] === participant) delete session[participant.ticket.role];
    if (!session.host && !session.joiner && this.sessions.get(session.key) === session) this.sessions.delete(session.key);
  }

  /** Both roles are here: from now on a byte pipe, both ways, with the byte cap, idle timeout and lifetime. */
  private pair(session: SessionSlots, host: Participant, joiner: Participant): void {
    for (const side of [host, joiner]) {
      side.paired = true;
      this.pairedSockets.add(side.socket);
      clearTimeout(side.pairTimer);
      side.socket.off('data', side.onEarlyData);
      side.socket.pause();
    }
    this.relayedSessions.set(session.key, Date.now() + this.limits.maxLifetimeMs);
    const a = host.socket;
    const b = joiner.socket;
    const cap = Math.min(host.ticket.cap, joiner.ticket.cap);
    let bytes = 0;
    let finished = false;
    const closed = new Set<TLSSocket>();
    const finish = (reason: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(idle);
      clearTimeout(lifetime);
      this.log({ event: 'closed', reason, session: session.sid, attempt: session.att, bytes });
      a.destroy();
      b.destroy();
      for (const side of [host, joiner]) this.releaseAccount(side.ticket.acct);
      if (this.sessions.get(session.key) === session) this.sessions.delete(session.key);
    };
    const idle = setTimeout(() => finish('idle timeout'), this.limits.idleTimeoutMs);
    const lifetime = setTimeout(() => finish('lifetime reached'), this.limits.maxLifetimeMs);
    const count = (chunk: Buffer) => {
      bytes += chunk.length;
      idle.refresh();
      if (bytes > cap) finish('byte cap reached');
    };
    const { observe } = this.options;
    for (const [from, to, role] of [[a, b, 'host'], [b, a, 'joiner']] as const) {
      from.on('error', (error: NodeJS.ErrnoException) => finish(`connection error (${error.code ?? 'error'})`));
      from.on('data', count);
      if (observe) from.on('data', (chunk: Buffer) => observe(session.sid, role, Buffer.from(chunk)));
      from.once('close', () => {
        closed.add(from);
        if (closed.size === 2) return finish('done');
        to.end(); // flush what is on its way, then close; cut after a grace period
        setTimeout(() => finish('done'), CLOSE_GRACE_MS).unref();
      });
      from.pipe(to);
    }
    a.write(OK_LINE);
    b.write(OK_LINE);
    this.log({ event: 'paired', session: session.sid, attempt: session.att });
  }

  private isPaired(socket: TLSSocket): boolean {
    return this.pairedSockets.has(socket);
  }

  private releaseAccount(account: string): void {
    const left = (this.perAccount.get(account) ?? 1) - 1;
    if (left > 0) this.perAccount.set(account, left);
    else this.perAccount.delete(account);
  }

  /** One `error:` line to the client, one log line, then the connection closes. */
  private refuse(socket: TLSSocket, reason: string, where: string | Omit<RelayLogEntry, 'event' | 'reason'>, before?: () => void): void {
    before?.();
    this.log({ event: 'refused', reason, ...(typeof where === 'string' ? { address: where } : where) });
    socket.removeAllListeners('data');
    socket.resume(); // read and drop whatever else comes, so the line can be written
    socket.end(errorLine(reason));
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private prune(now = Date.now()): void {
    for (const map of [this.usedTickets, this.relayedSessions]) {
      for (const [key, forgetAt] of map) if (forgetAt <= now) map.delete(key);
    }
  }
}

/** The relay pairs the two connections of one link of one session: same session id, same attempt. */
function pairKey(ticket: RelayTicket): string {
  return `${ticket.sid}#${ticket.att}`;
}
