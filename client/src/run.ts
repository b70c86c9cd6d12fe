/**
 * Runs the CLI for an argument list and returns the exit code (never exits itself, so tests can
 * call it in-process). Usage errors → 2; other errors are mapped by exit-mapping.ts.
 */
import { CommanderError } from 'commander';
import { ApiClient } from './api/api-client';
import { buildProgram, type CommandName } from './cli';
import type { Deps, GlobalOptions, InputStream } from './commands/deps';
import { ExitCode } from './errors';
import { describeError } from './exit-mapping';
import { Reporter, type OutputStream } from './report/reporter';
import { resolveSftHome } from './state/home';
import { StateStore } from './state/state-store';
import { escapeForTerminal } from './text/terminal';
import { COMMANDS } from './commands/index';

export interface RunIo {
  stdin: InputStream;
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal?: AbortSignal;
}

export async function runCli(argv: string[], io: RunIo, version: string): Promise<ExitCode> {
  const output = { writeOut: (text: string) => void io.stdout.write(text), writeErr: (text: string) => void io.stderr.write(text) };
  const dispatch = async (name: CommandName, options: Record<string, unknown>) => {
    const globals = options as GlobalOptions;
    const deps: Deps = {
      reporter: Reporter.create(Boolean(globals.json), io.stdout, io.stderr),
      state: new StateStore(resolveSftHome(io.env)),
      api: (options) => new ApiClient(options),
      stdin: io.stdin,
      env: io.env,
      cwd: io.cwd,
      signal: io.signal,
    };
    const command = await COMMANDS[name]();
    await command(options, deps);
  };
  try {
    await buildProgram(dispatch, version, output).parseAsync(argv, { from: 'user' });
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    return printError(error, io.stderr, io.env);
  }
}

/**
 * Prints `error` as one or two plain lines (a stack trace only with SFT_DEBUG=1) and returns its exit code.
 * Messages can carry a peer's or a server's words: they are escaped so they cannot drive the terminal.
 */
export function printError(error: unknown, stderr: OutputStream, env: NodeJS.ProcessEnv): ExitCode {
  const { code, lines } = describeError(error);
  const shown = lines.map((line, i) => escapeForTerminal(i === 0 ? `sft: ${line}` : `     ${line}`));
  stderr.write(`${shown.join('\n')}\n`);
  if (env.SFT_DEBUG === '1' && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  return code;
}
