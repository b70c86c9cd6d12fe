import type { SessionState } from './session-state';

export enum SessionErrorCode {
  NotFound = 'session_not_found',
  NotInvited = 'not_invited',
  OwnSession = 'own_session',
  AlreadyJoined = 'session_already_joined',
  Closed = 'session_closed',
  NotJoined = 'session_not_joined',
  WrongRole = 'wrong_role',
  ReportDuplicate = 'report_duplicate',
}

const MESSAGES: Record<SessionErrorCode, string> = {
  [SessionErrorCode.NotFound]: 'No such session (or you are not part of it).',
  [SessionErrorCode.NotInvited]: 'This session is reserved for another user.',
  [SessionErrorCode.OwnSession]: 'You cannot join your own session; run join as the other user.',
  [SessionErrorCode.AlreadyJoined]: 'Someone else has already joined this session.',
  [SessionErrorCode.Closed]: 'This session is closed.',
  [SessionErrorCode.NotJoined]: 'Nobody has joined this session yet.',
  [SessionErrorCode.WrongRole]: 'That role is not yours in this session.',
  [SessionErrorCode.ReportDuplicate]: 'You have already reported on this session.',
};

export class SessionError extends Error {
  constructor(
    readonly code: SessionErrorCode,
    /** For `session_closed`: the state it closed in. */
    readonly state?: SessionState,
  ) {
    super(code === SessionErrorCode.Closed && state ? `This session is closed (${state}).` : MESSAGES[code]);
    this.name = 'SessionError';
  }
}
