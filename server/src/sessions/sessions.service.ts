import { Inject, Injectable } from '@nestjs/common';
import { RequestError, RequestErrorCode } from '../common/app-error';
import type { AuthUser } from '../common/authenticated-request';
import { LookupLimiter } from '../common/lookup-limiter';
import { AppConfig } from '../config/app-config';
import { UsersService } from '../users/users.service';
import { UserError, UserErrorCode } from '../users/users.errors';
import { MAX_CANDIDATES, type CancelDto, type CreateSessionDto, type JoinSessionDto, type ReportDto } from './dto/session-requests.dto';
import type { CreatedSessionView, JoinedSessionView, OfferView, SessionView } from './dto/session-view.dto';
import { readPeerCertificate } from './peer-certificate';
import { SessionChanges } from './session-changes';
import { newSessionId, parseSessionId } from './session-id';
import { SessionKeyCipher } from './session-key-cipher';
import { decideOutcome } from './session-outcome';
import { isOpen, RelayMode, ReportRole, SessionDirection, SessionState } from './session-state';
import { toOfferView, toSessionView } from './session-view.mapper';
import { SessionRepository, type SessionClosing, type SessionJoining } from './session.repository';
import type { Session, StoredReport } from './session.entity';
import { SessionError, SessionErrorCode } from './sessions.errors';

const LIST_LIMIT = 200;

/**
 * The session lifecycle: who may join, report and cancel, and what the reports decide. Every read is scoped
 * to the caller ("owner in the query"); rows never leave. The SQL is in SessionRepository.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionRepository,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly cipher: SessionKeyCipher,
    private readonly changes: SessionChanges,
    private readonly lookups: LookupLimiter,
  ) {}

  /** `seenFrom`: the address the request came from, offered to the joiner as one more candidate. */
  async create(user: AuthUser, body: CreateSessionDto, seenFrom?: string): Promise<CreatedSessionView> {
    const certificate = readPeerCertificate(body.certificate);
    let invitee: { id: string; username: string } | null = null;
    if (body.invitee !== undefined) {
      await this.lookups.check(user.id);
      invitee = await this.users.findIdentity(body.invitee);
      if (!invitee) {
        await this.lookups.miss(user.id);
        throw new UserError(UserErrorCode.UserNotFound);
      }
      if (invitee.id === user.id) throw new RequestError(RequestErrorCode.ValidationFailed, 'invitee: cannot be yourself');
    }
    const now = new Date();
    const id = newSessionId();
    const key = this.cipher.newKey();
    const session = this.sessions.build({
      id,
      state: SessionState.Waiting,
      direction: body.direction,
      hostId: user.id,
      hostUsername: user.username,
      joinerId: null,
      joinerUsername: null,
      inviteeId: invitee?.id ?? null,
      inviteeUsername: invitee?.username ?? null,
      endpointHost: body.endpoint?.host ?? '',
      endpointPort: body.endpoint?.port ?? 0,
      hostRelay: body.relay ?? RelayMode.Auto,
      candidates: extraCandidates(body, seenFrom),
      path: null,
      hostCertificate: certificate.pem,
      hostFingerprint: certificate.fingerprint,
      joinerCertificate: null,
      joinerFingerprint: null,
      files: (body.files ?? []).map(({ name, size }) => ({ name, size })),
      senderReport: null,
      receiverReport: null,
      bytes: 0,
      reason: null,
      encryptedKey: this.cipher.encrypt(id, key),
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.config.sessionTtlSeconds * 1000),
      joinedAt: null,
      closedAt: null,
      attempt: 0,
      interruptedAt: null,
      linkBytes: null,
    });
    await this.sessions.insert(session);
    return { session: toSessionView(session), key: key.toString('base64') };
  }

  /** My sessions (as host or joiner), newest first. */
  async list(user: AuthUser): Promise<SessionView[]> {
    const rows = await this.sessions.listForParticipant(user.id, LIST_LIMIT);
    return (await Promise.all(rows.map((row) => this.settleIfOverdue(row)))).map(toSessionView);
  }

  /** Live offers for me: waiting sessions opened `--to` me that I can still join, newest first. */
  async offers(user: AuthUser): Promise<OfferView[]> {
    return (await this.sessions.listOffersFor(user.id, new Date(), LIST_LIMIT)).map(toOfferView);
  }

  async get(user: AuthUser, rawId: string): Promise<SessionView> {
    return toSessionView(await this.findForParticipant(user, rawId));
  }

  /** Long-poll: answers as soon as the state is not `state`, or after `timeoutSeconds`. */
  async wait(user: AuthUser, rawId: string, state: SessionState, timeoutSeconds: number): Promise<SessionView> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const session = await this.findForParticipant(user, rawId);
      const left = deadline - Date.now();
      if (session.state !== state || left <= 0 || this.changes.isClosed) return toSessionView(session);
      await this.changes.next(session.id, Math.min(left, this.config.waitRecheckMs));
    }
  }

  async join(user: AuthUser, rawId: string, body: JoinSessionDto): Promise<JoinedSessionView> {
    await this.lookups.check(user.id);
    const id = parseSessionId(rawId);
    const found = id ? await this.sessions.findWithKey(id) : null;
    if (!found) {
      await this.lookups.miss(user.id);
      throw new SessionError(SessionErrorCode.NotFound);
    }
    const session = await this.settleIfOverdue(found);
    if (session.hostId === user.id) throw new SessionError(SessionErrorCode.OwnSession);
    if (session.inviteeId !== null && session.inviteeId !== user.id) throw new SessionError(SessionErrorCode.NotInvited);
    if (!isOpen(session.state)) {
      if (session.joinerId !== null && session.joinerId !== user.id) throw new SessionError(SessionErrorCode.AlreadyJoined);
      throw new SessionError(SessionErrorCode.Closed, session.state);
    }
    const certificate = readPeerCertificate(body.certificate);
    let joined: Session;
    if (session.joinerId !== null) {
      // The same joiner asking again (e.g. after a lost answer) gets the same answer; anyone else is refused.
      if (session.joinerId !== user.id || session.joinerFingerprint !== certificate.fingerprint) {
        throw new SessionError(SessionErrorCode.AlreadyJoined);
      }
      joined = session;
    } else {
      const now = new Date();
      const change: SessionJoining = {
        state: SessionState.Joined,
        joinerId: user.id,
        joinerUsername: user.username,
        joinerCertificate: certificate.pem,
        joinerFingerprint: certificate.fingerprint,
        joinedAt: now,
        expiresAt: new Date(now.getTime() + this.config.transferTimeoutSeconds * 1000),
      };
      // The conditions make this the only join that succeeds; the row is then exactly `session` plus `change`
      // (the key column is only ever erased, and a close after this moment is no different from one just after
      // the answer), so it is not read again.
      if (!(await this.sessions.join(session.id, change))) throw new SessionError(SessionErrorCode.AlreadyJoined);
      this.changes.changed(session.id);
      joined = { ...session, ...change };
    }
    if (joined.encryptedKey === null || joined.encryptedKey === undefined) throw new SessionError(SessionErrorCode.Closed, joined.state);
    return {
      session: toSessionView(joined),
      key: this.cipher.decrypt(joined.id, joined.encryptedKey).toString('base64'),
      hostSigningKey: await this.users.findSigningKey(joined.hostId),
    };
  }

  /**
   * Stores one side's report and, once the reports decide the outcome, closes the session. The row is read
   * once more after the report is stored: the other side may have reported at the same moment, and only
   * that read shows both reports (or why ours was not stored).
   */
  async report(user: AuthUser, rawId: string, body: ReportDto): Promise<SessionView> {
    const session = await this.findForParticipant(user, rawId);
    if (!isOpen(session.state)) throw new SessionError(SessionErrorCode.Closed, session.state);
    if (session.state === SessionState.Waiting) throw new SessionError(SessionErrorCode.NotJoined);
    if (body.role !== roleOf(session, user.id)) throw new SessionError(SessionErrorCode.WrongRole);
    const column = body.role === ReportRole.Sender ? 'senderReport' : 'receiverReport';
    if (session[column] !== null) throw new SessionError(SessionErrorCode.ReportDuplicate);
    const report: StoredReport = {
      bytes: body.bytes,
      files: body.files.map(({ name, size, crc32, sha256 }) => ({ name, size, crc32, sha256 })),
      verified: body.verified,
      reason: body.reason ?? null,
    };
    const stored = await this.sessions.storeReport(session.id, column, report, body.path);
    const now = await this.sessions.get(session.id);
    if (!stored) {
      if (!isOpen(now.state)) throw new SessionError(SessionErrorCode.Closed, now.state);
      throw new SessionError(SessionErrorCode.ReportDuplicate);
    }
    const outcome = decideOutcome(now.senderReport, now.receiverReport);
    let answer = now;
    if (outcome) {
      const bytes = now.receiverReport?.bytes ?? now.senderReport?.bytes ?? 0;
      const closing = closingAs(outcome.state, outcome.reason, bytes);
      // Both reports decide the same outcome: if the other side's request closed it first, show its row.
      answer = (await this.sessions.close(now.id, [SessionState.Joined], closing))
        ? { ...now, ...closing }
        : await this.sessions.get(now.id);
    }
    this.changes.changed(session.id);
    return toSessionView(answer);
  }

  async cancel(user: AuthUser, rawId: string, body: CancelDto): Promise<SessionView> {
    const session = await this.findForParticipant(user, rawId);
    if (!isOpen(session.state)) throw new SessionError(SessionErrorCode.Closed, session.state);
    const closing = closingAs(SessionState.Cancelled, body.reason ?? `Cancelled by ${user.username}.`);
    if (!(await this.sessions.close(session.id, [SessionState.Waiting, SessionState.Joined], closing))) {
      const now = await this.sessions.get(session.id);
      throw new SessionError(SessionErrorCode.Closed, now.state);
    }
    this.changes.changed(session.id);
    return toSessionView({ ...session, ...closing });
  }

  /**
   * Closes overdue sessions: unjoined ones past their expiry become `expired`, joined ones whose
   * reports did not arrive in time become `failed`. Keys are erased. Returns how many closed.
   */
  async sweep(now = new Date()): Promise<number> {
    let closed = 0;
    for (const from of [SessionState.Waiting, SessionState.Joined] as const) {
      closed += await this.sessions.closeOverdue(from, now, closingAs(OVERDUE[from].state, OVERDUE[from].reason, undefined, now));
    }
    if (closed > 0) this.changes.changedAll();
    return closed;
  }

  /**
   * Owner in the query: a session the caller is not part of is indistinguishable from one that does not exist.
   * Only a miss touches the lookup budget (over it: 429, else counted and 404); finding one's own session tells
   * a guesser nothing, so it needs no budget, and keeps working while a shared limit store is down.
   */
  private async findForParticipant(user: AuthUser, rawId: string): Promise<Session> {
    const id = parseSessionId(rawId);
    const session = id ? await this.sessions.findForParticipant(id, user.id) : null;
    if (!session) {
      await this.lookups.check(user.id);
      await this.lookups.miss(user.id);
      throw new SessionError(SessionErrorCode.NotFound);
    }
    return this.settleIfOverdue(session);
  }

  /**
   * Closes this one session if it is past its expiry, so a read never shows an overdue session as open
   * between two sweeps. It updates the row by id only: sweeping the whole table on every request made
   * concurrent joins deadlock on MySQL's range locks.
   */
  private async settleIfOverdue(session: Session, now = new Date()): Promise<Session> {
    if (!isOpen(session.state) || session.expiresAt.getTime() >= now.getTime()) return session;
    const overdue = OVERDUE[session.state as SessionState.Waiting | SessionState.Joined];
    const closing = closingAs(overdue.state, overdue.reason, undefined, now);
    if (!(await this.sessions.close(session.id, [session.state], closing))) return this.sessions.get(session.id);
    this.changes.changed(session.id);
    return { ...session, ...closing };
  }
}

/** What an open session becomes when its expiry passes. */
const OVERDUE = {
  waiting: { state: SessionState.Expired, reason: 'Nobody joined in time.' },
  joined: { state: SessionState.Failed, reason: 'The transfer was not reported in time.' },
} as const;

function roleOf(session: Session, userId: string): ReportRole {
  const isHost = session.hostId === userId;
  return (session.direction === SessionDirection.HostSends) === isHost ? ReportRole.Sender : ReportRole.Receiver;
}

/** The columns that close a session: the key is erased; `bytes` only when the reports say how many moved. */
function closingAs(state: SessionState, reason: string | null, bytes?: number, closedAt = new Date()): SessionClosing {
  return { state, reason, encryptedKey: null, closedAt, ...(bytes === undefined ? {} : { bytes }) };
}

/**
 * The host's addresses besides its endpoint, and the address its request came from with the endpoint's
 * port (a host behind a port-forwarding router is often reachable there): no duplicates, NULL for none.
 */
function extraCandidates(body: CreateSessionDto, seenFrom?: string): { host: string; port: number }[] | null {
  if (!body.endpoint) return null;
  const all = [...(body.candidates ?? [])];
  const seen = seenFrom?.replace(/^::ffff:/, '');
  if (seen) all.push({ host: seen, port: body.endpoint.port });
  const keys = new Set([`${body.endpoint.host}|${body.endpoint.port}`]);
  const extra: { host: string; port: number }[] = [];
  for (const { host, port } of all) {
    const key = `${host}|${port}`;
    if (!keys.has(key)) extra.push({ host, port });
    keys.add(key);
  }
  return extra.length > 0 ? extra.slice(0, MAX_CANDIDATES + 1) : null;
}
