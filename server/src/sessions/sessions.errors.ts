import { HttpStatus } from '@nestjs/common';
import { AppError, type ErrorTable } from '../common/app-error';
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

const SESSION_ERRORS: ErrorTable<SessionErrorCode> = {
  [SessionErrorCode.NotFound]: { status: HttpStatus.NOT_FOUND, message: 'No such session (or you are not part of it).' },
  [SessionErrorCode.NotInvited]: { status: HttpStatus.FORBIDDEN, message: 'This session is reserved for another user.' },
  [SessionErrorCode.OwnSession]: {
    status: HttpStatus.FORBIDDEN,
    message: 'You cannot join your own session; run join as the other user.',
  },
  [SessionErrorCode.AlreadyJoined]: { status: HttpStatus.CONFLICT, message: 'Someone else has already joined this session.' },
  [SessionErrorCode.Closed]: { status: HttpStatus.GONE, message: 'This session is closed.' },
  [SessionErrorCode.NotJoined]: { status: HttpStatus.CONFLICT, message: 'Nobody has joined this session yet.' },
  [SessionErrorCode.WrongRole]: { status: HttpStatus.FORBIDDEN, message: 'That role is not yours in this session.' },
  [SessionErrorCode.ReportDuplicate]: { status: HttpStatus.CONFLICT, message: 'You have already reported on this session.' },
};

export class SessionError extends AppError<SessionErrorCode> {
  constructor(
    code: SessionErrorCode,
    /** For `session_closed`: the state it closed in. */
    state?: SessionState,
  ) {
    const closedIn = code === SessionErrorCode.Closed && state ? `This session is closed (${state}).` : undefined;
    super(code, SESSION_ERRORS[code], closedIn, { state });
  }
}
