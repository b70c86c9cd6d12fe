import { Inject, Injectable } from '@nestjs/common';
import { RequestError, RequestErrorCode } from '../common/app-error';
import type { AuthUser } from '../common/authenticated-request';
import { LookupLimiter } from '../common/lookup-limiter';
import { AppConfig } from '../config/app-config';
import { UsersService } from '../users/users.service';
import { UserError, UserErrorCode } from '../users/users.errors';
import {
  MAX_CANDIDATES, type CancelDto, type CreateSessionDto, type EndpointDto, type InterruptDto, type JoinSessionDto, type ReconnectedDto,
  type RejoinSessionDto, type ReportDto,
} from './dto/session-requests.dto';
import type { CreatedSessionView, JoinedSessionView, OfferView, SessionView } from './dto/session-view.dto';
import { readPeerCertificate, type PeerCertificate } from './peer-certificate';
import { SessionChanges } from './session-changes';
import { newSessionId, parseSessionId } from './session-id';
import { SessionKeyCipher } from './session-key-cipher';
import { decideOutcome } from './session-outcome';
import { isOpen, JOINED_STATES, OPEN_STATES, RelayMode, ReportRole, SessionDirection, SessionState } from './session-state';
import { toOfferView, toSessionView } from './session-view.mapper';
import {
  SessionRepository, type SessionClosing, type SessionInterrupting, type SessionJoining, type SessionReconnecting, type SessionRejoining,
} from './session.repository';
import type { Session, StoredReport } from './session.entity';
import { SessionError, SessionErrorCode } from './sessions.errors';

const LIST_LIMIT = 200;
/** A rejoin re-reads and tries again when another change won the race; this many times at most. */
const REJOIN_TRIES = 5;

/**
 * The session lifecycle: who may join, report and cancel, and what the reports decide; interruptions of the
 * peer link and resuming (attempts, rejoining after a restart, issue 14). Every read is scoped
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
    const certificate = await readPeerCertificate(body.certificate);
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
    const found = id ? await this.sessions.findForJoin(id) : null;
    if (!found) {
      await this.lookups.miss(user.id);
      throw new SessionError(SessionErrorCode.NotFound);
    }
    const session = await this.settleIfOverdue(found.session);
    if (session.hostId === user.id) throw new SessionError(SessionErrorCode.OwnSession);
    if (session.inviteeId !== null && session.inviteeId !== user.id) throw new SessionError(SessionErrorCode.NotInvited);
    if (!isOpen(session.state)) {
      if (session.joinerId !== null && session.joinerId !== user.id) throw new SessionError(SessionErrorCode.AlreadyJoined);
      throw new SessionError(SessionErrorCode.Closed, session.state);
    }
    const certificate = await readPeerCertificate(body.certificate);
    let joined: Session;
    if (session.joinerId !== null) {
      if (session.joinerId !== user.id) throw new SessionError(SessionErrorCode.AlreadyJoined);
      // The joiner again with a new certificate: its process restarted (`sft join ID` rerun), so it rejoins.
      if (session.joinerFingerprint !== certificate.fingerprint) return this.rejoinAs(session, user, 'joiner', certificate, {});
      // The same joiner asking again with the same certificate (e.g. after a lost answer) gets the same answer.
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
    return this.joinAnswer(joined, found.hostSigningKey);
  }

  /**
   * The link of `body.attempt` dropped: a joined session at that attempt becomes interrupted at the next one,
   * and has until now + SFT_RESUME_TIMEOUT to resume. An interrupted session at `body.attempt` (a reconnect
   * try of that attempt failed, e.g. its relay pair is spent) moves on to the next attempt, its resume deadline
   * unchanged. Anything else (a stale attempt: the same drop reported again, or a later attempt exists) changes
   * nothing: both sides may report the same drop, and it counts once.
   */
  async interrupt(user: AuthUser, rawId: string, body: InterruptDto): Promise<SessionView> {
    const session = await this.findForParticipant(user, rawId);
    assertJoinedOnce(session);
    const from = session.state;
    if ((from !== SessionState.Joined && from !== SessionState.Interrupted) || session.attempt !== body.attempt) return toSessionView(session);
    const now = new Date();
    const change: SessionInterrupting =
      from === SessionState.Joined
        ? { state: SessionState.Interrupted, attempt: body.attempt + 1, interruptedAt: now, expiresAt: this.resumeDeadline(now), reason: body.reason ?? null }
        : { state: SessionState.Interrupted, attempt: body.attempt + 1, interruptedAt: session.interruptedAt, expiresAt: session.expiresAt, reason: body.reason ?? session.reason };
    if (!(await this.sessions.interrupt(session.id, from, body.attempt, change))) return toSessionView(await this.current(session.id));
    this.changes.changed(session.id);
    return toSessionView({ ...session, ...change });
  }

  /** The link of `body.attempt` is up again: an interrupted session at that attempt is joined again, with its transfer timeout. */
  async reconnected(user: AuthUser, rawId: string, body: ReconnectedDto): Promise<SessionView> {
    const session = await this.findForParticipant(user, rawId);
    assertJoinedOnce(session);
    if (session.state !== SessionState.Interrupted || session.attempt !== body.attempt) return toSessionView(session);
    const change: SessionReconnecting = { state: SessionState.Joined, expiresAt: this.transferDeadline(session), reason: null };
    if (!(await this.sessions.reconnected(session.id, body.attempt, change))) return toSessionView(await this.current(session.id));
    this.changes.changed(session.id);
    return toSessionView({ ...session, ...change });
  }

  /**
   * A participant whose process restarted (a new ephemeral certificate; the host also a new address) takes its
   * place again and gets the session key once more. A joined session becomes interrupted: its link is dead.
   */
  async rejoin(user: AuthUser, rawId: string, body: RejoinSessionDto, seenFrom?: string): Promise<JoinedSessionView> {
    const session = await this.findForParticipant(user, rawId, true);
    const party = session.hostId === user.id ? 'host' : 'joiner';
    if (party === 'joiner' && (body.endpoint !== undefined || body.candidates !== undefined)) {
      throw new RequestError(RequestErrorCode.ValidationFailed, 'endpoint and candidates: only the host has an address');
    }
    return this.rejoinAs(session, user, party, await readPeerCertificate(body.certificate), { endpoint: body.endpoint, candidates: body.candidates, seenFrom });
  }

  /**
   * Stores one side's report and, once the reports decide the outcome, closes the session. The row is read
   * once more after the report is stored: the other side may have reported at the same moment, and only
   * that read shows both reports (or why ours was not stored).
   */
  async report(user: AuthUser, rawId: string, body: ReportDto): Promise<SessionView> {
    const session = await this.findForParticipant(user, rawId);
    assertJoinedOnce(session);
    if (body.role !== roleOf(session, user.id)) throw new SessionError(SessionErrorCode.WrongRole);
    const column = body.role === ReportRole.Sender ? 'senderReport' : 'receiverReport';
    if (session[column] !== null) throw new SessionError(SessionErrorCode.ReportDuplicate);
    const report: StoredReport = {
      bytes: body.bytes,
      files: body.files.map(({ name, size, crc32, sha256 }) => ({ name, size, crc32, sha256 })),
      verified: body.verified,
      reason: body.reason ?? null,
      linkBytes: body.linkBytes ?? null,
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
      answer = (await this.sessions.close(now.id, [...JOINED_STATES], closing))
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
    if (!(await this.sessions.close(session.id, [...OPEN_STATES], closing))) {
      const now = await this.sessions.get(session.id);
      throw new SessionError(SessionErrorCode.Closed, now.state);
    }
    this.changes.changed(session.id);
    return toSessionView({ ...session, ...closing });
  }

  /**
   * Closes overdue sessions: unjoined ones past their expiry become `expired`, joined ones whose
   * reports did not arrive in time and interrupted ones that did not resume in time become `failed`.
   * Keys are erased. Returns how many closed.
   */
  async sweep(now = new Date()): Promise<number> {
    let closed = 0;
    for (const from of OPEN_STATES) {
      closed += await this.sessions.closeOverdue(from, now, this.overdueClosing(from, now));
    }
    if (closed > 0) this.changes.changedAll();
    return closed;
  }

  /**
   * Owner in the query: a session the caller is not part of is indistinguishable from one that does not exist.
   * Only a miss touches the lookup budget (over it: 429, else counted and 404); finding one's own session tells
   * a guesser nothing, so it needs no budget, and keeps working while a shared limit store is down.
   */
  private async findForParticipant(user: AuthUser, rawId: string, withKey = false): Promise<Session> {
    const id = parseSessionId(rawId);
    const session = id ? await this.sessions.findForParticipant(id, user.id, withKey) : null;
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
    const closing = this.overdueClosing(session.state, now);
    if (!(await this.sessions.close(session.id, [session.state], closing))) return this.sessions.get(session.id);
    this.changes.changed(session.id);
    return { ...session, ...closing };
  }

  /** What an open session in `state` becomes when its expiry passes (the key erased). */
  private overdueClosing(state: SessionState, now: Date): SessionClosing {
    switch (state) {
      case SessionState.Waiting:
        return closingAs(SessionState.Expired, 'Nobody joined in time.', undefined, now);
      case SessionState.Joined:
        return closingAs(SessionState.Failed, 'The transfer was not reported in time.', undefined, now);
      case SessionState.Interrupted:
        return closingAs(
          SessionState.Failed, `The transfer was interrupted and did not resume within ${this.config.resumeTimeoutSeconds} s.`, undefined, now,
        );
      default:
        throw new Error(`A ${state} session has no expiry.`);
    }
  }

  /** The row as it is now, for an answer after a conditional change lost its race; a closed session is refused. */
  private async current(id: string): Promise<Session> {
    const session = await this.sessions.get(id);
    if (!isOpen(session.state)) throw new SessionError(SessionErrorCode.Closed, session.state);
    return session;
  }

  /**
   * The rejoin itself, for `POST /rejoin` and for a join by the recorded joiner with a new certificate. The
   * change is conditional on the state and attempt just read; when another change came first, read and try again.
   */
  private async rejoinAs(
    found: Session,
    user: AuthUser,
    party: 'host' | 'joiner',
    certificate: PeerCertificate,
    address: { endpoint?: EndpointDto; candidates?: EndpointDto[]; seenFrom?: string },
  ): Promise<JoinedSessionView> {
    let session = found;
    for (let tries = 0; tries < REJOIN_TRIES; tries++) {
      assertJoinedOnce(session);
      const now = new Date();
      const change: SessionRejoining =
        party === 'host'
          ? { hostCertificate: certificate.pem, hostFingerprint: certificate.fingerprint }
          : { joinerCertificate: certificate.pem, joinerFingerprint: certificate.fingerprint };
      if (party === 'host' && address.endpoint) {
        change.endpointHost = address.endpoint.host;
        change.endpointPort = address.endpoint.port;
        change.candidates = extraCandidates(address, address.seenFrom);
      }
      if (session.state === SessionState.Joined) {
        // The old link is dead: its certificate is gone with the process that held it.
        Object.assign(change, {
          state: SessionState.Interrupted,
          attempt: session.attempt + 1,
          interruptedAt: now,
          expiresAt: this.resumeDeadline(now),
          reason: `The ${party} (${user.username}) restarted and rejoined.`,
        });
      }
      if (await this.sessions.rejoin(session.id, party, user.id, session, change)) {
        this.changes.changed(session.id);
        return this.joinAnswer({ ...session, ...change });
      }
      session = await this.settleIfOverdue(await this.sessions.get(session.id, true));
    }
    throw new Error('The session kept changing while rejoining it.');
  }

  /** A join's answer: the session, its key and the host's signing key (read unless the caller already has it). */
  private async joinAnswer(session: Session, hostSigningKey?: string | null): Promise<JoinedSessionView> {
    if (session.encryptedKey === null || session.encryptedKey === undefined) throw new SessionError(SessionErrorCode.Closed, session.state);
    return {
      session: toSessionView(session),
      key: this.cipher.decrypt(session.id, session.encryptedKey).toString('base64'),
      hostSigningKey: hostSigningKey === undefined ? await this.users.findSigningKey(session.hostId) : hostSigningKey,
    };
  }

  private resumeDeadline(now: Date): Date {
    return new Date(now.getTime() + this.config.resumeTimeoutSeconds * 1000);
  }

  /** When a joined session's transfer times out: the join time plus SFT_TRANSFER_TIMEOUT. */
  private transferDeadline(session: Session): Date {
    return new Date((session.joinedAt ?? session.createdAt).getTime() + this.config.transferTimeoutSeconds * 1000);
  }
}

/** Reports, interruptions and rejoins need a session that is open and was joined: else `session_closed` or `session_not_joined`. */
function assertJoinedOnce(session: Session): void {
  if (!isOpen(session.state)) throw new SessionError(SessionErrorCode.Closed, session.state);
  if (session.state === SessionState.Waiting) throw new SessionError(SessionErrorCode.NotJoined);
}

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
function extraCandidates(body: Pick<CreateSessionDto, 'endpoint' | 'candidates'>, seenFrom?: string): { host: string; port: number }[] | null {
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
