/**
 * `--relay auto|never|only`: the direct link and the relay raced, as two Connectors that compose
 * DirectListen/DirectDial (direct-link.ts) with RelayLink (relay-link.ts). The protocol is in
 * docs/protocol.md §10 "The race":
 *
 * - The host (HostRace) listens directly (unless `only`) and, once the session is joined, also waits
 *   at the relay (unless `never`). It takes the link on which the joiner speaks first: the joiner
 *   writes only on the link it chose, so both sides end up on the same path. The other attempt is
 *   closed at once (an unused relay slot is freed; the relay logs it as one `closed` line).
 * - The joiner (JoinRace) decides: it dials all the host's candidate addresses at once and starts the
 *   relay path after RELAY_DELAY_MS, or at once when every candidate refused or failed, or when the host
 *   has no direct endpoint. The first link whose pinned TLS completes wins; the others are closed.
 */
import { ExitCode, ExitError } from '../errors';
import { PeerLinkError } from '../peer';
import type { Endpoint } from '../api/types';
import type { Advertised, Connector, LinkRequest, PeerLink, PrepareContext } from './connector';
import { DirectDial, DirectListen } from './direct-link';
import { RelayLink } from './relay-link';

export type RelayMode = 'auto' | 'never' | 'only';

/** How long the joiner gives the direct link before it also tries the relay. */
export const RELAY_DELAY_MS = 2_000;
/** How long the host waits for the joiner's first byte on a link that is up. */
const FIRST_BYTE_TIMEOUT_MS = 60_000;

/** The host's side: listen directly and wait at the relay; the link the joiner speaks on first wins. */
export class HostRace implements Connector {
  private readonly direct?: DirectListen;
  private readonly relay?: RelayLink;
  private race?: Race;

  constructor(mode: RelayMode, listen?: Endpoint, advertise?: Endpoint) {
    if (mode !== 'only') this.direct = new DirectListen(listen, advertise);
    if (mode !== 'never') this.relay = new RelayLink('host');
  }

  async prepare(ctx: PrepareContext): Promise<Advertised | undefined> {
    await this.relay?.prepare(ctx);
    return this.direct?.prepare(ctx);
  }

  /** One link: the losing attempt is stopped, the listener stays bound for a reconnect. */
  async connect(req: LinkRequest): Promise<PeerLink> {
    const race = (this.race = new Race(joinerSpoke));
    const { signal, stop } = attemptSignal(req.signal, race);
    if (this.direct) race.add(this.direct.connect({ ...req, signal }));
    if (this.relay) race.add(this.relay.connect({ ...req, signal }));
    race.seal();
    try {
      return await race.done;
    } catch (errors) {
      throw bestError(errors as Error[]);
    } finally {
      stop();
    }
  }

  close(): void {
    this.race?.abort();
    this.direct?.close();
    this.relay?.close();
  }
}

/**
 * The signal the attempts of one connect() share: aborted when the caller gives the attempt up (which
 * also aborts the race) and, through `stop()`, once the race is over (the losers stop).
 */
function attemptSignal(outer: AbortSignal | undefined, race: Race): { signal: AbortSignal; stop(): void } {
  const over = new AbortController();
  const onOuter = () => race.abort();
  outer?.addEventListener('abort', onOuter, { once: true });
  if (outer?.aborted) race.abort();
  return {
    signal: outer ? AbortSignal.any([outer, over.signal]) : over.signal,
    stop: () => {
      outer?.removeEventListener('abort', onOuter);
      over.abort();
    },
  };
}

/** The joiner's side: direct at once, the relay after RELAY_DELAY_MS or when direct is refused; the first link up wins. */
export class JoinRace implements Connector {
  private readonly relay = new RelayLink('joiner');
  private direct?: DirectDial;
  private race?: Race;
  private timer?: NodeJS.Timeout;

  constructor(private readonly mode: RelayMode) {}

  async prepare(ctx: PrepareContext): Promise<undefined> {
    return this.relay.prepare(ctx);
  }

  async connect(req: LinkRequest): Promise<PeerLink> {
    const { session } = req;
    const useDirect = this.mode !== 'only' && session.candidates.length > 0;
    const useRelay = this.mode !== 'never' && session.relay !== 'never';
    if (!useDirect && !useRelay) throw noCommonPath(this.mode, session.host);
    const race = (this.race = new Race(() => Promise.resolve()));
    const { signal, stop } = attemptSignal(req.signal, race);
    let relayStarted = false;
    const startRelay = () => {
      if (relayStarted || !useRelay || signal.aborted) return;
      relayStarted = true;
      clearTimeout(this.timer);
      race.add(this.relay.connect({ ...req, signal }));
      race.seal();
    };
    if (useDirect) {
      const direct = (this.direct = new DirectDial(startRelay));
      race.add(direct.connect({ ...req, signal }).catch((error: unknown) => {
        startRelay();
        throw error;
      }));
    }
    if (!useRelay) race.seal();
    else if (useDirect) this.timer = setTimeout(startRelay, RELAY_DELAY_MS);
    else startRelay();
    try {
      return await race.done;
    } catch (errors) {
      throw this.explain(errors as Error[], session.host, session.relay, useRelay);
    } finally {
      clearTimeout(this.timer);
      stop();
      this.direct?.close();
    }
  }

  /** For good (the end of the session): no connect() after it. */
  close(): void {
    clearTimeout(this.timer);
    this.race?.abort();
    this.direct?.close();
    this.relay.close();
  }

  /** Every path failed: one error that says which paths were tried, with a hint when another --relay would help. */
  private explain(errors: Error[], host: string, hostRelay: RelayMode, usedRelay: boolean): Error {
    const error = bestError(errors);
    if (usedRelay) return error;
    const hint =
      this.mode === 'never'
        ? 'The host could not be reached directly; try --relay auto.'
        : `${host} turned the relay off (--relay ${hostRelay}): they must be reachable directly (--advertise), or host with --relay auto.`;
    return new ExitError(ExitCode.Unreachable, error.message, hint);
  }
}

function noCommonPath(mode: RelayMode, host: string): ExitError {
  return mode === 'never'
    ? new ExitError(ExitCode.Unreachable, `${host} can only be reached through the relay (they used --relay only).`, 'The host could not be reached directly; try --relay auto.')
    : new ExitError(ExitCode.Unreachable, `${host} does not use the relay (they used --relay never).`, 'Join with --relay auto, or ask the host to use --relay auto.');
}

/** The errors of every failed attempt as one: a certificate failure before "unreachable", both messages when two paths failed. */
function bestError(errors: Error[]): Error {
  if (errors.length === 0) return new PeerLinkError('unreachable', 'No link to the peer.');
  const tls = errors.find((e) => e instanceof PeerLinkError && e.code === 'tls');
  if (tls) return tls;
  if (errors.length === 1) return errors[0];
  return new PeerLinkError('unreachable', `No path to the peer: ${errors.map((e) => e.message).join(' And: ')}`);
}

/**
 * Resolves when the joiner's first byte has arrived on the link (without reading it: the transfer
 * reads it); rejects when the link ends or closes first, or stays silent too long.
 */
export function joinerSpoke(link: PeerLink): Promise<void> {
  const { socket } = link;
  return new Promise((resolve, reject) => {
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onReadable = () =>
      finish(socket.readableLength > 0 ? undefined : new PeerLinkError('unreachable', 'The peer closed a link it did not choose.'));
    const onClose = () => finish(new PeerLinkError('unreachable', 'The peer closed a link it did not choose.'));
    const timer = setTimeout(() => finish(new PeerLinkError('timeout', 'The peer sent nothing on its link.')), FIRST_BYTE_TIMEOUT_MS);
    socket.on('readable', onReadable);
    socket.once('close', onClose);
  });
}

/**
 * Attempts at a link, each a promise; `chosen(link)` says when a link that is up is the one (the
 * joiner: at once; the host: when the joiner speaks on it). The first chosen link wins, every other
 * link is destroyed; `done` rejects with every attempt's error once all failed and no more can come.
 */
export class Race {
  readonly done: Promise<PeerLink>;
  private resolve: (link: PeerLink) => void = () => undefined;
  private reject: (errors: Error[]) => void = () => undefined;
  private readonly links = new Set<PeerLink>();
  private readonly errors: Error[] = [];
  private running = 0;
  private sealed = false;
  private settled = false;

  constructor(private readonly chosen: (link: PeerLink) => Promise<void>) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  add(attempt: Promise<PeerLink>): void {
    this.running++;
    attempt
      .then(async (link) => {
        if (this.settled) return link.socket.destroy();
        this.links.add(link);
        await this.chosen(link);
        if (this.settled) return link.socket.destroy();
        this.settled = true;
        this.links.delete(link);
        this.destroyOthers();
        this.resolve(link);
      })
      .catch((error: unknown) => {
        for (const link of this.links) if (link.socket.destroyed) this.links.delete(link);
        this.errors.push(error instanceof Error ? error : new Error(String(error)));
      })
      .finally(() => {
        this.running--;
        this.failIfOver();
      });
  }

  /** No more attempts will be added. */
  seal(): void {
    this.sealed = true;
    this.failIfOver();
  }

  /** Ctrl-C or the end: nothing wins any more, links up so far are destroyed. */
  abort(): void {
    if (!this.settled) {
      this.settled = true;
      this.reject([new PeerLinkError('unreachable', 'Stopped connecting to the peer.')]);
    }
    this.destroyOthers();
  }

  private destroyOthers(): void {
    for (const link of this.links) link.socket.destroy();
    this.links.clear();
  }

  private failIfOver(): void {
    if (this.settled || !this.sealed || this.running > 0) return;
    this.settled = true;
    this.reject(this.errors);
  }
}
