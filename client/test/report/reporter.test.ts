import { describe, expect, it } from 'vitest';
import { Reporter, type ReporterMode } from '../../src/report/reporter';
import { MemoryStream } from '../helpers/memory-stream';

function make(mode: ReporterMode, now: () => number = () => 0) {
  const stdout = new MemoryStream();
  const stderr = new MemoryStream(mode === 'tty');
  return { reporter: new Reporter({ mode, stdout, stderr, now }), stdout, stderr };
}

describe(Reporter.name, () => {
  it('prints a result as plain lines on stdout in plain mode', () => {
    const { reporter, stdout, stderr } = make('plain');
    reporter.result('session', { id: 'abcd' }, 'abcd');
    expect(stdout.text).toBe('abcd\n');
    expect(stderr.text).toBe('');
  });

  it('prints steps on stderr, keeping stdout for results', () => {
    const { reporter, stdout, stderr } = make('plain');
    reporter.step('waiting', {}, 'Waiting for bob');
    expect(stderr.text).toBe('Waiting for bob\n');
    expect(stdout.text).toBe('');
  });

  it('prints one JSON object per line on stdout in json mode', () => {
    const { reporter, stdout, stderr } = make('json');
    reporter.result('session', { id: 'abcd' }, 'abcd');
    reporter.step('waiting', { id: 'abcd' }, 'Waiting');
    expect(stdout.lines.map((line) => JSON.parse(line))).toEqual([
      { event: 'session', id: 'abcd' },
      { event: 'waiting', id: 'abcd' },
    ]);
    expect(stderr.text).toBe('');
  });

  it('never prints secret fields in json mode', () => {
    const { reporter, stdout } = make('json');
    reporter.result('login', { username: 'alice', token: 'eyJ.secret', nested: { key: 'c2VjcmV0', privateKeyPem: 'PEM' } }, '');
    expect(stdout.text).not.toContain('eyJ.secret');
    expect(stdout.text).not.toContain('c2VjcmV0');
    expect(stdout.text).not.toContain('PEM');
    expect(JSON.parse(stdout.lines[0]).username).toBe('alice');
  });

  it('writes control, bidi, C1 and format characters in json mode as \\u escapes, keeping the same JSON value', () => {
    const { reporter, stdout } = make('json');
    const reason = 'x\u001b[2J\u202Eevil\u2067\u009b31m\u061c\u{E0041}\u2028';
    reporter.result('session', { reason }, '');
    expect(stdout.lines[0]).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
    expect(stdout.lines[0]).toContain('\\u202e');
    expect(JSON.parse(stdout.lines[0]).reason).toBe(reason);
  });

  it('writes C1 controls, bidi overrides and line separators in json mode as \\u escapes, keeping the value', () => {
    const { reporter, stdout } = make('json');
    const name = 'a\u009b31m\u202egpj.exe\u2028x';
    reporter.result('offer', { name }, '');
    expect(stdout.text).not.toMatch(/[\u009b\u202e\u2028]/);
    expect(JSON.parse(stdout.lines[0]).name).toBe(name);
  });

  it('adds its context fields to every json event', () => {
    const stdout = new MemoryStream();
    const reporter = new Reporter({ mode: 'json', stdout, stderr: new MemoryStream(), context: { actor: 'bob' } });
    reporter.step('joined', { id: 'x' }, '');
    expect(JSON.parse(stdout.lines[0])).toEqual({ event: 'joined', actor: 'bob', id: 'x' });
  });

  it('redraws a progress bar in place on stderr in tty mode', () => {
    let clock = 0;
    const { reporter, stderr } = make('tty', () => clock);
    const progress = reporter.progress('sending', 1000);
    clock = 1000;
    progress.update(500);
    clock = 2000;
    progress.update(1000);
    progress.finish();
    const draws = stderr.text.split('\r\x1b[K').filter(Boolean);
    expect(draws).toHaveLength(3);
    expect(draws[0]).toContain(' 50%');
    expect(draws[0]).toContain('ETA 0:01');
    expect(draws[2]).toMatch(/100%.*\n$/);
  });

  it('wipes a half-drawn progress bar before printing a step, so lines never run together', () => {
    let clock = 0;
    const { reporter, stderr } = make('tty', () => clock);
    const progress = reporter.progress('receiving', 1000);
    clock = 1000;
    progress.update(500);
    reporter.step('file-done', {}, 'received a.txt');
    expect(stderr.text.endsWith('receiving\r\x1b[Kreceived a.txt\n')).toBe(true);
  });

  it('prints every line of a multi-line step', () => {
    const { reporter, stderr } = make('plain');
    reporter.step('manifest', {}, ['2 file(s):', '  "a"', '  "b"']);
    expect(stderr.text).toBe('2 file(s):\n  "a"\n  "b"\n');
  });

  it('escapes control characters in text it prints, whoever wrote it', () => {
    const { reporter, stdout, stderr } = make('plain');
    reporter.step('closed', {}, 'Session closed (\u001b]0;pwned\u0007)');
    reporter.result('file', {}, 'received \u001b[2Ja');
    expect(stderr.text).toBe('Session closed (\\u001b]0;pwned\\u0007)\n');
    expect(stdout.text).toBe('received \\u001b[2Ja\n');
  });

  it('prints only a summary line for progress in plain mode', () => {
    const { reporter, stderr } = make('plain');
    const progress = reporter.progress('receiving', 2048);
    progress.update(1024);
    progress.update(2048);
    progress.finish();
    expect(stderr.lines).toHaveLength(1);
    expect(stderr.lines[0]).toMatch(/^receiving: 2\.0 KiB in/);
  });

  it('prints warnings on stderr in every mode', () => {
    const { reporter, stderr } = make('json');
    reporter.warn('careful');
    expect(stderr.text).toBe('warning: careful\n');
  });

  it('chooses tty mode only when stderr is a terminal and json was not asked for', () => {
    expect(Reporter.create(false, new MemoryStream(), new MemoryStream(true)).mode).toBe('tty');
    expect(Reporter.create(false, new MemoryStream(), new MemoryStream(false)).mode).toBe('plain');
    expect(Reporter.create(true, new MemoryStream(), new MemoryStream(true)).mode).toBe('json');
  });
});
