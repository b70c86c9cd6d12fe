/** Errors of the server API client, each mapped to an exit code by main.ts. */

/** The server answered with an HTTP error: `code` is its stable machine-readable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For `session_closed`: the state the session closed in. */
    readonly state?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The server could not be reached (refused, unknown host, timeout, connection dropped). */
export class ServerUnreachableError extends Error {
  constructor(
    readonly serverUrl: string,
    readonly cause: string,
  ) {
    super(`Could not reach the sft server at ${serverUrl} (${cause}).`);
    this.name = 'ServerUnreachableError';
  }
}

/** The server's TLS certificate is not trusted (unknown CA, wrong name, expired). */
export class ServerNotTrustedError extends Error {
  constructor(
    readonly serverUrl: string,
    readonly reason: string,
    /** Whether a CA was given (--ca, SFT_CA or remembered) for this server. */
    readonly caGiven: boolean,
  ) {
    super(`The certificate of ${serverUrl} is not trusted (${reason}).`);
    this.name = 'ServerNotTrustedError';
  }
}
