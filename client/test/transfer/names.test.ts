import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkNameCollisions, displayName, safeRelativeName } from '../../src/transfer/names';
import { FORMAT_CHARACTERS, hostileName, surrogateTwins } from '../../../test/support/hostile-peer/names';

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

describe('names decided once, as the bytes that will be on disk', () => {
  /** What the file system will be asked for: the UTF-8 bytes node makes of the name. */
  const diskBytes = (name: string) => Buffer.from(name, 'utf8');

  it('refuses names that are not well-formed Unicode (lone surrogates)', () => {
    for (const name of ['dup\uD800.txt', 'dup\uDBFF.txt', 'd\uDBFF/x.txt', '\uDC00', 'a\uDFFFb']) {
      expect(() => safeRelativeName(name), JSON.stringify(name)).toThrow(expect.objectContaining({ code: 'unsafe_name' }));
    }
  });

  it('accepts a well-formed astral character (a surrogate pair)', () => {
    expect(safeRelativeName('photo-\u{1F600}.jpg')).toBe('photo-\u{1F600}.jpg');
  });

  it('returns only names that are well-formed, free of control and format characters, and survive the trip to disk bytes unchanged', () => {
    fc.assert(
      fc.property(hostileName, (name) => {
        let accepted: string;
        try {
          accepted = safeRelativeName(name);
        } catch (error) {
          expect(error).toMatchObject({ code: 'unsafe_name' });
          return;
        }
        expect(accepted).not.toMatch(/[\p{Cs}\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
        expect(diskBytes(accepted).toString('utf8')).toBe(accepted);
      }),
      { numRuns: 2000 },
    );
  });

  it('never lets two accepted names of one transfer land on the same disk name', () => {
    fc.assert(
      fc.property(fc.array(hostileName, { minLength: 2, maxLength: 6 }), (names) => {
        let accepted: string[];
        try {
          accepted = names.map((n) => safeRelativeName(n));
          checkNameCollisions(accepted);
        } catch (error) {
          expect(error).toMatchObject({ code: 'unsafe_name' });
          return;
        }
        const keys = accepted.map((n) => diskBytes(n).toString('utf8').normalize('NFC').toLowerCase());
        expect(new Set(keys).size).toBe(keys.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses every pair of names that differ only in a lone surrogate', () => {
    fc.assert(
      fc.property(surrogateTwins, ([a, b]) => {
        expect(() => checkNameCollisions([a, b].map((n) => safeRelativeName(n)))).toThrow(expect.objectContaining({ code: 'unsafe_name' }));
      }),
    );
  });
});

describe('format characters (the whole \\p{Cf} class)', () => {
  it(`refuses each of the ${FORMAT_CHARACTERS.length} format characters in a name, U+061C included`, () => {
    expect(FORMAT_CHARACTERS).toContain('\u061c');
    const accepted = FORMAT_CHARACTERS.filter((c) => {
      try {
        safeRelativeName(`a${c}b.txt`);
        return true;
      } catch {
        return false;
      }
    });
    expect(accepted.map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`)).toEqual([]);
  });

  it('shows every format character and lone surrogate escaped, never raw', () => {
    fc.assert(
      fc.property(hostileName, (name) => {
        expect(displayName(name)).not.toMatch(/[\p{Cs}\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
      }),
      { numRuns: 2000 },
    );
    expect(displayName('a\u061cb')).toBe('"a\\u061cb"');
    expect(displayName('tag\u{E0041}')).toBe('"tag\\udb40\\udc41"');
  });
});
