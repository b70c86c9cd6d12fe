/** Resolves when Ctrl-C (or SIGTERM) aborts `signal`; never, when there is no signal. For long-running commands. */
export function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return; // No way to be stopped: run until the process ends.
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
