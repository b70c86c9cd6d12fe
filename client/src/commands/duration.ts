/** `--expires 7d`, `--retry-for 5m`: a duration as a number with a unit (s, m, h, d), or plain seconds. */
import { InvalidArgumentError } from 'commander';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** A duration of at least one second, in seconds. */
export function parseDuration(value: string): number {
  const seconds = durationSeconds(value);
  if (seconds <= 0) throw new InvalidArgumentError('Expected a duration such as 90m, 12h or 7d.');
  return seconds;
}

/** A duration in seconds where `0` turns the thing off (`--retry-for 0`). */
export function parseDurationOrOff(value: string): number {
  const seconds = durationSeconds(value);
  if (seconds < 0) throw new InvalidArgumentError('Expected a duration such as 30s or 5m, or 0 for off.');
  return seconds;
}

function durationSeconds(value: string): number {
  const match = /^(\d+)\s*([smhd]?)$/i.exec(value.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[(match[2] || 's').toLowerCase()] : Number.NaN;
  return Number.isSafeInteger(seconds) ? seconds : -1;
}
