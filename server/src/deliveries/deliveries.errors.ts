import { HttpStatus } from '@nestjs/common';
import { AppError, type ErrorTable } from '../common/app-error';
import type { DeliveryState } from './delivery-state';

export enum DeliveryErrorCode {
  NotFound = 'delivery_not_found',
  Closed = 'delivery_closed',
  TooLarge = 'delivery_too_large',
  QuotaExceeded = 'quota_exceeded',
  StorageFull = 'storage_full',
  OutOfOrder = 'upload_out_of_order',
  Incomplete = 'upload_incomplete',
  BadPart = 'bad_part',
  RangeNotSatisfiable = 'range_not_satisfiable',
}

const DELIVERY_ERRORS: ErrorTable<DeliveryErrorCode> = {
  [DeliveryErrorCode.NotFound]: { status: HttpStatus.NOT_FOUND, message: 'No such delivery (or it is not yours).' },
  [DeliveryErrorCode.Closed]: { status: HttpStatus.GONE, message: 'This delivery is closed.' },
  [DeliveryErrorCode.TooLarge]: { status: HttpStatus.PAYLOAD_TOO_LARGE, message: 'This delivery is larger than the server stores.' },
  [DeliveryErrorCode.QuotaExceeded]: {
    status: HttpStatus.INSUFFICIENT_STORAGE,
    message: 'Your stored deliveries would exceed your quota on this server; withdraw some or wait until they are received.',
  },
  [DeliveryErrorCode.StorageFull]: { status: HttpStatus.INSUFFICIENT_STORAGE, message: 'The server has no room to store this upload now.' },
  [DeliveryErrorCode.OutOfOrder]: { status: HttpStatus.CONFLICT, message: 'Upload parts must come in order.' },
  [DeliveryErrorCode.Incomplete]: { status: HttpStatus.CONFLICT, message: 'The upload is not complete yet.' },
  [DeliveryErrorCode.BadPart]: { status: HttpStatus.BAD_REQUEST, message: 'An upload part has the wrong length.' },
  [DeliveryErrorCode.RangeNotSatisfiable]: { status: HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE, message: 'The requested range starts at or past the end of the delivery.' },
};

export class DeliveryError extends AppError<DeliveryErrorCode> {
  constructor(code: DeliveryErrorCode, detail?: { state?: DeliveryState; message?: string }) {
    const message = detail?.message ?? (code === DeliveryErrorCode.Closed && detail?.state ? `This delivery is closed (${detail.state}).` : undefined);
    super(code, DELIVERY_ERRORS[code], message, { state: detail?.state });
  }
}
