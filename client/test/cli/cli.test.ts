import { describe, expect, it } from 'vitest';
import { buildProgram, parseHostPort, type CommandName } from '../../src/cli';
import { runCli } from '../../src/run';
import { MemoryStream } from '../helpers/memory-stream';
import { Readable } from 'node:stream';

async function parse(argv: string[]) {
  const calls: { name: CommandName; options: Record<string, unknown> }[] = [];
  const err = new MemoryStream();
  const program = buildProgram(async (name, options) => void calls.push({ name, options }), '1.2.3', {
    writeOut: () => undefined,
    writeErr: (text) => void err.write(text),
  });
  await program.parseAsync(argv, { from: 'user' });
  return calls[0];
}

async function run(argv: string[], env: NodeJS.ProcessEnv = { SFT_HOME: '/nonexistent/sft-test-home' }) {
  const stdout = new MemoryStream();
  const stderr = new MemoryStream();
  const code = await runCli(argv, { stdin: Readable.from([]), stdout, stderr, env, cwd: process.cwd() }, '1.2.3');
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe(buildProgram.name, () => {
  it('passes global options and arguments to host-session', async () => {
    const call = await parse(['--server', 'https://127.0.0.1:1', '--json', 'host-session', 'a.txt', 'b.txt', '--to', 'bob', '--listen', '127.0.0.1:0']);
    expect(call.name).toBe('host-session');
    expect(call.options).toMatchObject({ server: 'https://127.0.0.1:1', json: true, files: ['a.txt', 'b.txt'], to: 'bob', listen: { host: '127.0.0.1', port: 0 } });
  });

  it('accepts global options after the command name', async () => {
    const call = await parse(['whoami', '--ca', 'ca.pem', '--json']);
    expect(call.options).toMatchObject({ ca: 'ca.pem', json: true });
  });

  it('splits join arguments into the id and the files', async () => {
    const call = await parse(['join', 'abcd-efgh-jkmn-pqrs', 'x.bin', '--out', 'dl']);
    expect(call.options).toMatchObject({ id: 'abcd-efgh-jkmn-pqrs', files: ['x.bin'], out: 'dl' });
  });

  it('parses the server port as a number', async () => {
    const call = await parse(['server', '--port', '9443', '--data-dir', '/tmp/d']);
    expect(call.options).toMatchObject({ port: 9443, dataDir: '/tmp/d' });
  });
});

describe(parseHostPort.name, () => {
  it('reads IPv4 and bracketed IPv6 addresses', () => {
    expect(parseHostPort('127.0.0.1:4000')).toEqual({ host: '127.0.0.1', port: 4000 });
    expect(parseHostPort('[::1]:0')).toEqual({ host: '::1', port: 0 });
  });

  it('refuses a value without a port', () => {
    expect(() => parseHostPort('localhost')).toThrow(/HOST:PORT/);
  });
});

describe(runCli.name, () => {
  it('exits 2 on an unknown command', async () => {
    const result = await run(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command/);
  });

  it('exits 2 on an unknown option', async () => {
    expect((await run(['whoami', '--bogus'])).code).toBe(2);
  });

  it('exits 2 when join has no session id', async () => {
    expect((await run(['join'])).code).toBe(2);
  });

  it('exits 2 when --listen is not HOST:PORT', async () => {
    const result = await run(['host-session', 'x', '--listen', 'nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/HOST:PORT/);
  });

  it('exits 2 when host-session has neither files nor --receive', async () => {
    const result = await run(['host-session']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^sft: Nothing to do/);
  });

  it('exits 2 when login has no username and stdin is not a terminal', async () => {
    const result = await run(['login', '--server', 'https://127.0.0.1:9']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--username/);
  });

  it('exits 2 on a server URL that is not https', async () => {
    expect((await run(['whoami', '--server', 'http://127.0.0.1:9'])).code).toBe(2);
  });

  it('exits 3 when a command needs a login that is missing', async () => {
    const result = await run(['whoami', '--server', 'https://127.0.0.1:9']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/sft login/);
  });

  it('prints the version and exits 0', async () => {
    const stdout = new MemoryStream();
    const code = await runCli(['--version'], { stdin: Readable.from([]), stdout, stderr: new MemoryStream(), env: {}, cwd: '/' }, '1.2.3');
    expect(code).toBe(0);
    expect(stdout.text.trim()).toBe('1.2.3');
  });

  it('prints help and exits 0', async () => {
    const stdout = new MemoryStream();
    const code = await runCli(['--help'], { stdin: Readable.from([]), stdout, stderr: new MemoryStream(), env: {}, cwd: '/' }, '1.2.3');
    expect(code).toBe(0);
    expect(stdout.text).toContain('host-session');
  });

  it('prints no stack trace without SFT_DEBUG', async () => {
    const result = await run(['whoami', '--server', 'https://127.0.0.1:9']);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
  });
});
