/** Where a session is in its lifecycle (see docs/api.md, "Session lifecycle"). */
export enum SessionState {
  Waiting = 'waiting',
  Joined = 'joined',
  /** The peer link dropped (or a side restarted); the session may resume until `expiresAt` (SFT_RESUME_TIMEOUT). */
  Interrupted = 'interrupted',
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

export const OPEN_STATES: readonly SessionState[] = [SessionState.Waiting, SessionState.Joined, SessionState.Interrupted];

/** The open states after a join: the transfer is under way (joined) or paused between two links (interrupted). */
export const JOINED_STATES: readonly SessionState[] = [SessionState.Joined, SessionState.Interrupted];

export function isOpen(state: SessionState): boolean {
  return OPEN_STATES.includes(state);
}
