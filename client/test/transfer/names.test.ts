import { describe, expect, it } from 'vitest';
import { checkNameCollisions, displayName, safeRelativeName } from '../../src/transfer/names';

describe(safeRelativeName.name, () => {
  it.each([
    ['report.pdf'],
    ['photos/2024/img 01.jpg'],
    ['ünïcødé.txt'],
    ['.hidden'],
    ['a..b'],
    ['console.log'],
  ])('accepts %j', (name) => {
    expect(safeRelativeName(name)).toBe(name);
  });

  it.each([
    ['', 'empty'],
    ['../etc/passwd', 'parent segment'],
    ['a/../../b', 'parent segment inside'],
    ['./a', 'dot segment'],
    ['/etc/passwd', 'absolute path'],
    ['C:\\Windows\\evil.exe', 'drive letter and backslashes'],
    ['C:evil', 'drive-relative path'],
    ['a\\b', 'backslash'],
    ['a//b', 'empty segment'],
    ['dir/', 'trailing slash'],
    ['nul\u0000.txt', 'NUL'],
    ['bell\u0007', 'control character'],
    ['\u001b[31mred', 'terminal escape'],
    ['abc\u202etxt.exe', 'bidi override'],
    ['line\nbreak', 'newline'],
    ['CON', 'device name'],
    ['con.txt', 'device name with extension'],
    ['dir/COM1', 'device name in a subfolder'],
    ['LPT9.log', 'printer device'],
    ['trailing.', 'trailing dot'],
    ['trailing ', 'trailing space'],
    ['a:b', 'alternate data stream'],
    ['what?.txt', 'Windows reserved character'],
    ['x'.repeat(256), 'overlong segment'],
    [Array(40).fill('d').join('/'), 'too deep'],
  ])('refuses %j (%s)', (name) => {
    expect(() => safeRelativeName(name)).toThrow(expect.objectContaining({ code: 'unsafe_name' }));
  });

  it('refuses a name that is not a string', () => {
    expect(() => safeRelativeName(42)).toThrow(expect.objectContaining({ code: 'unsafe_name' }));
  });

  it('returns names in NFC form', () => {
    expect(safeRelativeName('cafe\u0301')).toBe('caf\u00e9');
  });

  it('does not echo control characters in its message', () => {
    expect(() => safeRelativeName('\u001b[2J')).toThrow(/\\u001b/);
  });
});

describe(checkNameCollisions.name, () => {
  it('accepts distinct names', () => {
    expect(() => checkNameCollisions(['a/b', 'a/c', 'b'])).not.toThrow();
  });

  it('refuses names that differ only by case', () => {
    expect(() => checkNameCollisions(['Readme.md', 'README.md'])).toThrow(expect.objectContaining({ code: 'unsafe_name' }));
  });

  it('refuses a file that is also a directory of another name', () => {
    expect(() => checkNameCollisions(['a', 'a/b'])).toThrow(expect.objectContaining({ code: 'unsafe_name' }));
    expect(() => checkNameCollisions(['a/b', 'a'])).toThrow(expect.objectContaining({ code: 'unsafe_name' }));
  });

  it('refuses the same name twice', () => {
    expect(() => checkNameCollisions(['x', 'x'])).toThrow(expect.objectContaining({ code: 'unsafe_name' }));
  });
});

describe(displayName.name, () => {
  it('shows an ordinary name as it is, in quotes', () => {
    expect(displayName('café/report.pdf')).toBe('"café/report.pdf"');
  });

  it('escapes a right-to-left override so the name cannot disguise its extension', () => {
    expect(displayName('invoice\u202Efdp.exe')).toBe('"invoice\\u202efdp.exe"');
  });

  it('escapes full-width dots and slashes that read like "../"', () => {
    expect(displayName('\uFF0E\uFF0E\uFF0Fetc')).toBe('"\\uff0e\\uff0e\\uff0fetc"');
  });

  it('escapes terminal escape sequences', () => {
    expect(displayName('a\u001b[31mb')).toBe('"a\\u001b[31mb"');
  });
});
