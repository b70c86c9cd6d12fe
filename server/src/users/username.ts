/** 2–32 characters of a-z 0-9 . _ -, starting with a letter or digit (ASCII only; checked before lowercasing). */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{1,31}$/;

/** Usernames are case-insensitive and stored lowercase. */
export function normalizeUsername(username: string): string {
  return username.toLowerCase();
}

export function isValidUsername(username: string): boolean {
  return USERNAME_PATTERN.test(username);
}
