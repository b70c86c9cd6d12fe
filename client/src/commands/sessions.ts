/** `sft sessions`: my sessions, newest first. */
import type { SessionView } from '../api/types';
import { formatBytes, formatTable } from '../report/format';
import { requireLogin } from './connection';
import type { Deps, GlobalOptions } from './deps';

export async function sessions(opts: GlobalOptions, deps: Deps): Promise<void> {
  const { api, credentials } = await requireLogin(opts, deps);
  const list = (await api.listSessions()).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const me = credentials.username;
  if (deps.reporter.mode === 'json') {
    for (const s of list) deps.reporter.result('session', summary(s, me), '');
    return;
  }
  if (list.length === 0) {
    deps.reporter.result('sessions', {}, 'No sessions yet.');
    return;
  }
  const rows = list.map((s) => {
    const row = summary(s, me);
    return [row.id, row.peer ?? '-', row.direction, row.state, formatBytes(row.bytes), row.path ?? '-', row.createdAt];
  });
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
    createdAt: s.createdAt,
    reason: s.reason,
  };
}
