/**
 * The relayed path: a ticket from the server, the relay line (client/src/peer/relay-connector.ts), then
 * the peers' usual pinned TLS 1.3 over the relayed pipe (host = TLS server, joiner = TLS client). The
 * relay sees only TLS records (docs/security.md §7). Either side uses it; see race.ts for when.
 */
import type { Duplex } from 'node:stream';
import { parseRelayUrl } from '../../../relay/src/opening-line';
import { PeerLinkError } from '../peer';
import { connectRelay, securePinnedOverRelay } from '../peer/relay-connector';
import type { Connector, LinkRequest, PeerLink, PrepareContext } from './connector';
import { hostPort } from './direct-link';

export class RelayLink implements Connector {
  private ca?: string;
  private readonly stop = new AbortController();
  /** The relay connection until the pinned TLS over it is up (destroyed by close()). */
  private pending?: Duplex;

  constructor(private readonly role: 'host' | 'joiner') {}

  prepare({ ca }: PrepareContext): Promise<undefined> {
    this.ca = ca;
    return Promise.resolve(undefined);
  }

  /** Each call a fresh ticket (the server stamps the session's current attempt on it) and relay line. */
  async connect({ api, session, own, peer, signal: attempt }: LinkRequest): Promise<PeerLink> {
    const signal = attempt ? AbortSignal.any([this.stop.signal, attempt]) : this.stop.signal;
    let answer;
    try {
      answer = await api.relayTicket(session.id);
    } catch (error) {
      throw new PeerLinkError('unreachable', `No relay ticket from the server (${error instanceof Error ? error.message : String(error)}).`, { cause: error });
    }
    if (signal.aborted) throw stopped();
    const relay = parseRelayUrl(answer.relay, 'relay url');
    const pipe = (this.pending = await connectRelay({ relayUrl: answer.relay, ticket: answer.ticket, ca: this.ca, signal }));
    if (signal.aborted) {
      pipe.destroy();
      throw stopped();
    }
    const secured = securePinnedOverRelay({ socket: pipe, role: this.role, own, peer });
    let onAbort = () => undefined as void;
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => {
        pipe.destroy();
        void secured.then((late) => late.destroy(), () => undefined);
        reject(stopped());
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const socket = await Promise.race([secured, aborted]);
      return { socket, path: { via: 'relay', relay: hostPort(relay.host, relay.port) } };
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.pending = undefined;
    }
  }

  /** For good: stops a relay attempt in progress (its relay slot is freed at once); a finished link belongs to the transfer. */
  close(): void {
    this.stop.abort();
    this.pending?.destroy();
  }
}

function stopped(): PeerLinkError {
  return new PeerLinkError('unreachable', 'Stopped using the relay.');
}
