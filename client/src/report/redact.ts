/** Removes secrets from data before it is printed: tokens, keys, passwords. */

const SECRET_FIELD = /token|password|secret|privatekey|^key$|sessionkey/i;

/** A deep copy of `value` in which every field whose name looks secret reads `[redacted]`. */
export function redactSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item)) as T;
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [field, inner] of Object.entries(value as Record<string, unknown>)) {
    copy[field] = SECRET_FIELD.test(field) ? '[redacted]' : redactSecrets(inner);
  }
  return copy as T;
}
