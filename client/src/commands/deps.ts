/** What every command gets besides its options: injected so tests can run commands in-process. */
import type { ApiClient, ApiClientOptions } from '../api/api-client';
import type { Reporter } from '../report/reporter';
import type { StateStore } from '../state/state-store';

export interface InputStream extends NodeJS.ReadableStream {
  isTTY?: boolean;
}

export interface Deps {
  reporter: Reporter;
  state: StateStore;
  /** Makes an API client for a server (tests may wrap it). */
  api: (options: ApiClientOptions) => ApiClient;
  stdin: InputStream;
  /** Where interactive prompts draw (default: process.stderr, so `--json` stdout stays clean). */
  promptOutput?: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Current directory for relative paths and the default --out. */
  cwd: string;
  /** Aborted on Ctrl-C: long-running commands cancel their session and stop. */
  signal?: AbortSignal;
}

/** Options every command accepts (--server, --ca, --json). */
export interface GlobalOptions {
  server?: string;
  ca?: string;
  json?: boolean;
}
