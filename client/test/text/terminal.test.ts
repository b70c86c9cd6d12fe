import { describe, expect, it } from 'vitest';
import { escapeForTerminal } from '../../src/text/terminal';

describe(escapeForTerminal.name, () => {
  it('leaves ordinary text, including non-ASCII letters, as it is', () => {
    expect(escapeForTerminal('Session k3v9 is failed (café, 日本).')).toBe('Session k3v9 is failed (café, 日本).');
  });

  it('escapes an escape sequence that would clear the screen', () => {
    expect(escapeForTerminal('\u001b[2Jhi')).toBe('\\u001b[2Jhi');
  });

  it('escapes C1 controls, bell, carriage return and bidi overrides', () => {
    expect(escapeForTerminal('a\u009bb\u0007c\rd\u202Ee')).toBe('a\\u009bb\\u0007c\\u000dd\\u202ee');
  });

  it('shows full-width look-alikes escaped only when asked (for file names)', () => {
    expect(escapeForTerminal('\uFF0E\uFF0E\uFF0F')).toBe('\uFF0E\uFF0E\uFF0F');
    expect(escapeForTerminal('\uFF0E\uFF0E\uFF0F', true)).toBe('\\uff0e\\uff0e\\uff0f');
  });
});
