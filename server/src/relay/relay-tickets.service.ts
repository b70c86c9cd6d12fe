import { Inject, Injectable } from '@nestjs/common';
import { issueTicket } from '../../../relay/src/ticket';
import type { AuthUser } from '../common/authenticated-request';
import { isOpen, SessionDirection } from '../sessions/session-state';
import { SessionError, SessionErrorCode } from '../sessions/sessions.errors';
import { SessionsService } from '../sessions/sessions.service';
import type { RelayTicketView } from './dto/relay-ticket.dto';
import { RelaySettings } from './relay-settings';
import { RelayError, RelayErrorCode } from './relay.errors';

/** Room for everything around the file bytes: both TLS handshakes, HELLOs, the manifest, the trailer and results. */
const FIXED_ALLOWANCE = 8 * 1024 * 1024;
/** Framing and TLS records add well under 1/128 to the file bytes (21 bytes per 256 KiB chunk, 22 per 16 KiB record). */
const OVERHEAD_DIVISOR = 128;

/** Hands relay tickets to a session's two participants, and to nobody else. */
@Injectable()
export class RelayTicketsService {
  constructor(
    private readonly sessions: SessionsService,
    @Inject(RelaySettings) private readonly settings: RelaySettings,
  ) {}

  async issue(user: AuthUser, sessionId: string): Promise<RelayTicketView> {
    if (this.settings.url === null) throw new RelayError(RelayErrorCode.Unavailable);
    // Answers 404 for a session the caller is not part of, like every other session route.
    const session = await this.sessions.get(user, sessionId);
    // Waiting, joined or interrupted (a link to resume).
    if (!isOpen(session.state)) throw new SessionError(SessionErrorCode.Closed, session.state);
    const role = session.host === user.username ? 'host' : 'joiner';
    const exp = Math.floor(Date.now() / 1000) + this.settings.ticketTtlSeconds;
    const cap = this.byteCap(session.direction, session.files);
    // `att`: the relay pairs the two sides of each link (attempt) of a session apart from the earlier ones (issue 14).
    const fields = { sid: session.id, att: session.attempt, role, relay: this.settings.url, cap, acct: user.id, exp } as const;
    const { text } = issueTicket(fields, this.settings.signingKey);
    return { ticket: text, relay: this.settings.url, role, byteCap: cap, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /** The announced file bytes plus framing when the host sends; the configured limit when the joiner's files are not known yet. */
  private byteCap(direction: SessionDirection, files: { size: number }[]): number {
    if (direction !== SessionDirection.HostSends) return this.settings.byteLimit;
    const total = files.reduce((sum, file) => sum + file.size, 0);
    return Math.min(this.settings.byteLimit, total + Math.ceil(total / OVERHEAD_DIVISOR) + FIXED_ALLOWANCE);
  }
}
