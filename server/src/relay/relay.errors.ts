export enum RelayErrorCode {
  Unavailable = 'relay_unavailable',
}

const MESSAGES: Record<RelayErrorCode, string> = {
  [RelayErrorCode.Unavailable]: 'This server has no relay configured; the peers must reach each other directly.',
};

export class RelayError extends Error {
  constructor(readonly code: RelayErrorCode) {
    super(MESSAGES[code]);
    this.name = 'RelayError';
  }
}
