/** A setting (option or environment variable) is missing, malformed or out of range: a one-line message naming it. */
export class ConfigError extends Error {
  constructor(what: string) {
    super(`Invalid configuration: ${what}`);
    this.name = 'ConfigError';
  }
}
