/**
 * `sft inbox`: what waits for me. Live offers: waiting sessions someone opened `--to` me, which I take with
 * `sft join ID`. Every name in them was chosen by the other side, so names are shown escaped (the reporter
 * escapes human lines and JSON output alike).
 */
import type { OfferView } from '../api/types';
import { formatBytes, formatPeerNames, formatTable } from '../report/format';
import { requireLogin } from './connection';
import type { Deps, GlobalOptions } from './deps';

export async function inbox(opts: GlobalOptions, deps: Deps): Promise<void> {
  const { api } = await requireLogin(opts, deps);
  const offers = await api.listOffers();
  if (deps.reporter.mode === 'json') {
    for (const offer of offers) deps.reporter.result('offer', offerSummary(offer), '');
    return;
  }
  if (offers.length === 0) {
    deps.reporter.result('inbox', {}, 'Nothing waits for you.');
    return;
  }
  const rows = offers.map((offer) => {
    const row = offerSummary(offer);
    return [row.id, row.from, row.direction === 'host-sends' ? 'offers files' : 'asks for files', formatBytes(row.bytes), row.expiresAt, formatPeerNames(row.files.map((f) => f.name))];
  });
  deps.reporter.result('inbox', {}, [
    ...formatTable(['ID', 'FROM', 'WHAT', 'SIZE', 'EXPIRES', 'FILES'], rows),
    'Live offers wait for you to join: `sft join ID` (add FILEs when they ask for files).',
  ]);
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
