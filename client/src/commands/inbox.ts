/**
 * `sft inbox`: what waits for me. Live offers: waiting sessions someone opened `--to` me, which I take with
 * `sft join ID`; stored deliveries: ciphertext left for me, which I take with `sft receive ID`. Every name in them was chosen by the other side, so names are shown escaped (the reporter
 * escapes human lines and JSON output alike).
 */
import type { DeliveryView, OfferView } from '../api/types';
import { formatBytes, formatPeerNames, formatTable } from '../report/format';
import { requireLogin } from './connection';
import type { Deps, GlobalOptions } from './deps';

export async function inbox(opts: GlobalOptions, deps: Deps): Promise<void> {
  const { api, credentials } = await requireLogin(opts, deps);
  const [offers, deliveries] = await Promise.all([api.listOffers(), api.listDeliveries()]);
  const stored = deliveries.filter((d) => d.recipient === credentials.username && d.state === 'ready');
  if (deps.reporter.mode === 'json') {
    for (const offer of offers) deps.reporter.result('offer', offerSummary(offer), '');
    for (const delivery of stored) deps.reporter.result('offer', deliverySummary(delivery), '');
    return;
  }
  if (offers.length === 0 && stored.length === 0) {
    deps.reporter.result('inbox', {}, 'Nothing waits for you.');
    return;
  }
  const rows = [
    ...offers.map(offerSummary).map((row) => [row.id, row.from, row.direction === 'host-sends' ? 'live: offers files' : 'live: asks for files', formatBytes(row.bytes), row.expiresAt, formatPeerNames(row.files.map((f) => f.name))]),
    ...stored.map(deliverySummary).map((row) => [row.id, row.from, 'stored delivery', formatBytes(row.bytes), row.expiresAt, formatPeerNames(row.files.map((f) => f.name))]),
  ];
  deps.reporter.result('inbox', {}, [
    ...formatTable(['ID', 'FROM', 'WHAT', 'SIZE', 'EXPIRES', 'FILES'], rows),
    ...(offers.length > 0 ? ['Live offers wait for you to join: `sft join ID` (add FILEs when they ask for files).'] : []),
    ...(stored.length > 0 ? ['Stored deliveries wait on the server, encrypted to you: `sft receive ID`.'] : []),
  ]);
}

/** A stored delivery waiting for me, in the same shape as a live offer. */
export function deliverySummary(delivery: DeliveryView) {
  return {
    kind: 'stored' as const,
    id: delivery.id,
    from: delivery.sender,
    direction: 'host-sends' as const,
    files: delivery.files.map(({ name, size }) => ({ name, size })),
    bytes: delivery.files.reduce((sum, f) => sum + f.size, 0),
    createdAt: delivery.createdAt,
    expiresAt: delivery.expiresAt,
  };
}

/** One offer as `--json` shows it (names as sent; the JSON output escapes what a terminal must not see). */
export function offerSummary(offer: OfferView) {
  return {
    kind: 'live' as const,
    id: offer.id,
    from: offer.host,
    direction: offer.direction,
    files: offer.files.map(({ name, size }) => ({ name, size })),
    bytes: offer.files.reduce((sum, f) => sum + f.size, 0),
    createdAt: offer.createdAt,
    expiresAt: offer.expiresAt,
  };
}
