/**
 * `--verify` / `--verify-phrase DIGITS` on host-session and join: how the user confirms that both
 * sides show the same verification phrase before any file byte moves.
 * - `--verify` on a terminal: a yes/no prompt (default no) once the phrase is known.
 * - `--verify-phrase DIGITS` (scripts, tests): the phrase the peer shows, learned out of band;
 *   a different phrase counts as the user saying no.
 * `--verify` without a terminal and without `--verify-phrase` is a usage error (exit 2).
 */
import { InvalidArgumentError } from 'commander';
import { usageError } from '../errors';
import type { PhraseConfirmer } from '../transfer/types';
import type { Deps } from './deps';

export interface VerifyOptions {
  verify?: boolean;
  /** Six digits, already normalized by `parseVerificationPhrase`. */
  verifyPhrase?: string;
}

/** `123 456`, `123456` or `123-456` → `123456`; anything else is refused. */
export function parseVerificationPhrase(value: string): string {
  const digits = value.replace(/[\s-]/g, '');
  if (!/^\d{6}$/.test(digits)) throw new InvalidArgumentError('Expected the six digits the peer shows, e.g. "123 456".');
  return digits;
}

/**
 * The confirmer for these options, or undefined when no verification was asked for.
 * Checks up front (before any session is opened) that the confirmation can happen at all.
 */
export function phraseConfirmer(opts: VerifyOptions, deps: Deps, peerName: () => string): PhraseConfirmer | undefined {
  if (opts.verifyPhrase !== undefined) {
    const expected = opts.verifyPhrase;
    return (phrase) => Promise.resolve(phrase.replace(/\s/g, '') === expected);
  }
  if (!opts.verify) return undefined;
  if (!deps.stdin.isTTY) {
    throw usageError(
      '--verify asks you to confirm the verification phrase, but stdin is not a terminal.',
      'Run it in a terminal, or pass --verify-phrase DIGITS with the phrase the peer shows.',
    );
  }
  return async (phrase, signal) => {
    const { confirm } = await import('@inquirer/prompts'); // loaded only when a prompt is shown
    const message = `Does ${peerName()} see the verification phrase ${phrase}? Answer no if it differs`;
    return confirm({ message, default: false }, { input: deps.stdin, output: deps.promptOutput ?? process.stderr, signal });
  };
}
