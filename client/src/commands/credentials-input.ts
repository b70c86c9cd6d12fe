/**
 * Getting a username and password: from flags and stdin (--password-stdin), the username also
 * from the last login at the server, or by prompting (hidden input) when stdin is a terminal.
 * Non-interactive and missing → usage error.
 */
import { usageError } from '../errors';
import type { Deps } from './deps';

export interface CredentialOptions {
  username?: string;
  passwordStdin?: boolean;
}

/** --username, else `remembered` (the last login at this server), else a prompt on a terminal. */
export async function askUsername(opts: CredentialOptions, deps: Deps, remembered?: string): Promise<string> {
  if (opts.username) return opts.username.trim();
  if (remembered) return remembered;
  if (!deps.stdin.isTTY || opts.passwordStdin) {
    throw usageError('A username is needed.', 'Pass --username U (prompts only work on a terminal).');
  }
  const { input } = await import('@inquirer/prompts'); // loaded only when a prompt is shown
  return (await input({ message: 'Username:', required: true }, { input: deps.stdin })).trim();
}

export async function askPassword(opts: CredentialOptions, deps: Deps, confirm: boolean): Promise<string> {
  if (opts.passwordStdin) {
    const password = stripOneNewline(await readAll(deps.stdin));
    if (!password) throw usageError('--password-stdin read an empty password.');
    return password;
  }
  if (!deps.stdin.isTTY) {
    throw usageError('A password is needed.', 'Pipe it in with --password-stdin (prompts only work on a terminal).');
  }
  const { password: passwordPrompt } = await import('@inquirer/prompts');
  const first = await passwordPrompt({ message: 'Password:', mask: '*' }, { input: deps.stdin });
  if (confirm) {
    const second = await passwordPrompt({ message: 'Repeat password:', mask: '*' }, { input: deps.stdin });
    if (first !== second) throw usageError('The passwords do not match.');
  }
  return first;
}

/** Reads a stream to its end as UTF-8. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export function stripOneNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}
