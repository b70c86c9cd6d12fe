/**
 * Entry point of the `sft` CLI (bin/sft.js requires the compiled file). The only place that exits.
 * Ctrl-C aborts the running command (which cancels its session and exits 6); a second Ctrl-C exits at once.
 */
import { ExitCode } from './errors';
import { runCli } from './run';
import { packageVersion } from './version';

function main(): void {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(ExitCode.Closed);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  runCli(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  }, packageVersion()).then(
    (code) => exitAfterFlush(code),
    (error: unknown) => {
      process.stderr.write(`sft: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
      exitAfterFlush(ExitCode.Failure);
    },
  );
}

/** Exits once stdout and stderr have drained, so piped output is not cut short. */
function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main();
