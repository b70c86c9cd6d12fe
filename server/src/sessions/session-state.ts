/** Where a session is in its lifecycle (see docs/api.md, "Session lifecycle"). */
export enum SessionState {
  Waiting = 'waiting',
  Joined = 'joined',
  Completed = 'completed',
  Failed = 'failed',
  Cancelled = 'cancelled',
  Expired = 'expired',
}

export enum SessionDirection {
  HostSends = 'host-sends',
  HostReceives = 'host-receives',
}

export enum ReportRole {
  Sender = 'sender',
  Receiver = 'receiver',
}

/** The host's `--relay`: whether it waits at the relay too (auto), never, or only there (no direct endpoint). */
export enum RelayMode {
  Auto = 'auto',
  Never = 'never',
  Only = 'only',
}

/** The path a transfer took between the peers. */
export enum LinkPath {
  Direct = 'direct',
  Relay = 'relay',
}

export const OPEN_STATES: readonly SessionState[] = [SessionState.Waiting, SessionState.Joined];

export function isOpen(state: SessionState): boolean {
  return OPEN_STATES.includes(state);
}
