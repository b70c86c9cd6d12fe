import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, LessThan, MoreThanOrEqual, Repository } from 'typeorm';
import { PlainRows } from '../common/plain-rows';
import { SessionState, type LinkPath } from './session-state';
import { Session, type StoredReport } from './session.entity';

/** The host's signing key, as a scalar subquery on a row of `sessions` (the same text on SQLite and MySQL). */
const HOST_SIGNING_KEY = 'SELECT u.signing_key FROM users u WHERE u.id = sessions.host_id';

/** The columns a close sets: the key is always erased. */
export type SessionClosing = Pick<Session, 'state' | 'reason' | 'closedAt'> & { encryptedKey: null; bytes?: number };

/** A join's columns, set only on a waiting session nobody joined yet. */
export type SessionJoining = Pick<
  Session,
  'joinerId' | 'joinerUsername' | 'joinerCertificate' | 'joinerFingerprint' | 'joinedAt' | 'expiresAt'
> & { state: SessionState.Joined };

/**
 * The SQL of the `sessions` table, and nothing else: no rules, no errors. Reads on the request path and the
 * insert go through `PlainRows` (plain SQL, the same text on SQLite and MySQL); the rest uses TypeORM's API.
 * Every change is conditional on the state it expects and answers whether it happened, so the service can
 * tell a lost race from success without reading the row again.
 */
@Injectable()
export class SessionRepository {
  private readonly rows: PlainRows<Session>;

  constructor(@InjectRepository(Session) private readonly sessions: Repository<Session>) {
    this.rows = new PlainRows(sessions);
  }

  /** A new session object with every column set (not stored yet). */
  build(fields: Session): Session {
    return this.sessions.create(fields);
  }

  insert(session: Session): Promise<void> {
    return this.rows.insert(session);
  }

  /** Any session by id, with its (encrypted) key. */
  findWithKey(id: string): Promise<Session | null> {
    return this.rows.findOne('id = ?', [id], true);
  }

  /** What a join reads, in one query: the session by id with its (encrypted) key, and its host's signing key (null: none). */
  async findForJoin(id: string): Promise<{ session: Session; hostSigningKey: string | null } | null> {
    const [row] = await this.rows.findWith({ host_signing_key: HOST_SIGNING_KEY }, 'id = ?', [id], true);
    if (!row) return null;
    const key = row.extra.host_signing_key;
    return { session: row.entity, hostSigningKey: typeof key === 'string' ? key : null };
  }

  /** Owner in the query: the session only when `userId` hosts or joined it. */
  findForParticipant(id: string, userId: string): Promise<Session | null> {
    return this.rows.findOne('id = ? AND (host_id = ? OR joiner_id = ?)', [id, userId, userId]);
  }

  /** The user's sessions as host or joiner, newest first. */
  listForParticipant(userId: string, limit: number): Promise<Session[]> {
    return this.sessions.find({
      where: [{ hostId: userId }, { joinerId: userId }],
      order: { createdAt: 'DESC', id: 'ASC' },
      take: limit,
    });
  }

  /** Live offers: waiting sessions nobody joined yet that were opened for `userId` (`--to`), newest first. */
  listOffersFor(userId: string, now: Date, limit: number): Promise<Session[]> {
    return this.sessions.find({
      where: { inviteeId: userId, state: SessionState.Waiting, joinerId: IsNull(), expiresAt: MoreThanOrEqual(now) },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: limit,
    });
  }

  /** The row as it is now (it exists: sessions are never deleted). */
  get(id: string): Promise<Session> {
    return this.sessions.findOneOrFail({ where: { id } });
  }

  /** Sets the join columns if the session is still waiting and unjoined; false when someone else was first. */
  async join(id: string, joining: SessionJoining): Promise<boolean> {
    const updated = await this.rows.update(joining, 'id = ? AND state = ? AND joiner_id IS NULL', [id, SessionState.Waiting]);
    return updated > 0;
  }

  /** Stores one side's report if the session is joined and that side has not reported; false otherwise. */
  async storeReport(id: string, column: 'senderReport' | 'receiverReport', report: StoredReport, path?: LinkPath): Promise<boolean> {
    const stored = await this.sessions.update({ id, state: SessionState.Joined, [column]: IsNull() }, { [column]: report });
    if ((stored.affected ?? 0) === 0) return false;
    // The path the link took: the first report that names it sets it.
    if (path) await this.sessions.update({ id, path: IsNull() }, { path });
    return true;
  }

  /** Closes the session if it is still in one of the `from` states; false when it was not. */
  async close(id: string, from: SessionState[], closing: SessionClosing): Promise<boolean> {
    const result = await this.sessions.update({ id, state: In(from) }, closing);
    return (result.affected ?? 0) > 0;
  }

  /** Closes every session in state `from` whose expiry is before `now`; answers how many. */
  async closeOverdue(from: SessionState, now: Date, closing: SessionClosing): Promise<number> {
    const result = await this.sessions.update({ state: from, expiresAt: LessThan(now) }, closing);
    return result.affected ?? 0;
  }
}
