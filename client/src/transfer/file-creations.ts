/**
 * Temp files being created on the thread pool (OutputDir creates the next few ahead while earlier files
 * arrive). The process must not exit while one is in flight: the exit hook that removes our temp files
 * could run before the creation lands, and the file would stay behind. main.ts waits for settled()
 * before its hard exit (a second Ctrl-C); after close(), nothing new is started.
 * Imports nothing, so main.ts can load it without loading the transfer code.
 */
const inFlight = new Set<Promise<unknown>>();
let closed = false;

/** Whether a new creation may start (false once the process is on its way out). */
export function creationsOpen(): boolean {
  return !closed;
}

/** Tracks a creation until it settles. */
export function trackCreation(creation: Promise<unknown>): void {
  inFlight.add(creation);
  const forget = () => inFlight.delete(creation);
  creation.then(forget, forget);
}

/** Resolves once every creation tracked so far has settled. */
export function creationsSettled(): Promise<void> {
  return Promise.allSettled([...inFlight]).then(() => undefined);
}

/** Refuses new creations and resolves once every tracked one has settled. */
export function closeCreations(): Promise<void> {
  closed = true;
  return creationsSettled();
}
