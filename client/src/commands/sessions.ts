/**
 * `sft sessions`: the live offers waiting for me to join (as in `sft inbox`), my sessions newest first, and my
 * stored deliveries (sent or received) with their state, so a sender sees when one was received, expired or withdrawn.
 */
import type { DeliveryView, SessionView } from '../api/types';
import { formatBytes, formatTable } from '../report/format';
import { requireLogin } from './connection';
import { offerSummary } from './inbox';
import type { Deps, GlobalOptions } from './deps';

export async function sessions(opts: GlobalOptions, deps: Deps): Promise<void> {
  const { api, credentials } = await requireLogin(opts, deps);
  const [list, offers, deliveries] = await Promise.all([api.listSessions(), api.listOffers(), api.listDeliveries()]);
  list.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const me = credentials.username;
  if (deps.reporter.mode === 'json') {
    for (const offer of offers) deps.reporter.result('offer', offerSummary(offer), '');
    for (const s of list) deps.reporter.result('session', summary(s, me), '');
    for (const d of deliveries) deps.reporter.result('delivery', deliveryRow(d, me), '');
    return;
  }
  if (list.length === 0 && offers.length === 0 && deliveries.length === 0) {
    deps.reporter.result('sessions', {}, 'No sessions yet.');
    return;
  }
  const offerRows = offers.map((offer) => {
    const row = offerSummary(offer);
    const direction = row.direction === 'host-sends' ? 'offered' : 'asked';
    return [row.id, row.from, direction, 'waiting for you', formatBytes(row.bytes), '-', row.createdAt];
  });
  const sessionRows = list.map((s) => summary(s, me)).map((row) => [row.id, row.peer ?? '-', row.direction, stateCell(row), formatBytes(row.bytes), row.path ?? '-', row.createdAt]);
  const deliveryRows = deliveries.map((d) => deliveryRow(d, me)).map((row) => [row.id, row.peer, row.direction, row.state, formatBytes(row.bytes), 'stored', row.createdAt]);
  const rows = [...offerRows, ...sessionRows, ...deliveryRows];
  deps.reporter.result('sessions', {}, formatTable(['ID', 'PEER', 'DIRECTION', 'STATE', 'BYTES', 'PATH', 'WHEN'], rows));
}

function summary(s: SessionView, me: string) {
  const iAmHost = s.host === me;
  const peer = iAmHost ? (s.joiner ?? s.invitee) : s.host;
  const iSend = (s.direction === 'host-sends') === iAmHost;
  return {
    id: s.id,
    peer,
    role: iAmHost ? 'host' : 'joiner',
    direction: iSend ? 'sent' : 'received',
    state: s.state,
    bytes: s.bytes,
    /** direct or relay, once a report named it. */
    path: s.path,
    /** Peer links tried: 1, plus one per interruption (resume). */
    attempts: s.attempt + 1,
    /** File bytes that crossed the links over all attempts, once a report named them. */
    linkBytes: s.linkBytes,
    createdAt: s.createdAt,
    reason: s.reason,
  };
}

/** The state, with the number of attempts when the link dropped at least once: `completed (2 attempts)`. */
function stateCell(row: { state: string; attempts: number }): string {
  return row.attempts > 1 ? `${row.state} (${row.attempts} attempts)` : row.state;
}

/** A stored delivery as a row: `stored-sent` (with its state: ready, received, expired, withdrawn…) or `stored-received`. */
function deliveryRow(d: DeliveryView, me: string) {
  const iSent = d.sender === me;
  return {
    id: d.id,
    peer: iSent ? d.recipient : d.sender,
    role: iSent ? 'sender' : 'recipient',
    direction: iSent ? 'stored-sent' : 'stored-received',
    state: d.state,
    bytes: d.files.reduce((sum, f) => sum + f.size, 0),
    createdAt: d.createdAt,
    expiresAt: d.expiresAt,
    closedAt: d.closedAt,
    reason: d.reason,
  };
}
