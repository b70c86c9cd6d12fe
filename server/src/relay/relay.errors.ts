import { HttpStatus } from '@nestjs/common';
import { AppError, type ErrorTable } from '../common/app-error';

export enum RelayErrorCode {
  Unavailable = 'relay_unavailable',
}

const RELAY_ERRORS: ErrorTable<RelayErrorCode> = {
  [RelayErrorCode.Unavailable]: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    message: 'This server has no relay configured; the peers must reach each other directly.',
  },
};

export class RelayError extends AppError<RelayErrorCode> {
  constructor(code: RelayErrorCode) {
    super(code, RELAY_ERRORS[code]);
  }
}
