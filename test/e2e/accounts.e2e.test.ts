/** Accounts through the real CLI: register, login, whoami, logout, and the errors around them. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, runSft, SftUser, startSftServer, type SftServer } from '../support/sft-process';

let server: SftServer;
let erin: SftUser;

beforeAll(async () => {
  server = await startSftServer();
  erin = await SftUser.create('erin', server);
  await erin.register();
});

afterAll(async () => {
  await server?.stop();
  await erin?.cleanUp();
});

describe('sft register, login, whoami, logout', () => {
  it('stores the token and identity key with mode 0600 and never prints them', async () => {
    for (const file of ['credentials.json', 'identity.json']) {
      expect((await fs.stat(path.join(erin.home, file))).mode & 0o777).toBe(0o600);
    }
    const credentials = JSON.parse(await fs.readFile(path.join(erin.home, 'credentials.json'), 'utf8')) as Record<string, { token: string }>;
    const token = Object.values(credentials)[0].token;
    const whoami = expectExit(await erin.run(['whoami']), 0);
    expect(whoami.stdout + whoami.stderr).not.toContain(token);
    expect(whoami.stdout).toMatch(/^erin$/m);
    expect(whoami.stdout).toContain(server.url);
  });

  it('remembers the server and CA given at login, so later commands need neither', async () => {
    const result = await runSft(['whoami', '--json'], { home: erin.home });
    expectExit(result, 0);
    expect(JSON.parse(result.stdout.trim())).toMatchObject({ event: 'whoami', username: 'erin', server: server.url });
  });

  it('logs in on a new machine, making and uploading a new identity key with a warning', async () => {
    const home = path.join(erin.dir, 'second-machine');
    const result = await runSft(['login', '--username', 'erin', '--password-stdin', '--server', server.url, '--ca', server.caCertPath], {
      home,
      stdin: `${erin.password}\n`,
    });
    expectExit(result, 0);
    expect(result.stderr).toMatch(/new identity key/);
    const newKey = JSON.parse(await fs.readFile(path.join(home, 'identity.json'), 'utf8')) as Record<string, Record<string, { fingerprint: string }>>;
    const whoami = expectExit(await runSft(['whoami', '--json'], { home }), 0);
    expect(JSON.parse(whoami.stdout.trim()).fingerprint).toBe(Object.values(newKey)[0].erin.fingerprint);
  });

  it('refuses a wrong password with exit 3', async () => {
    const result = await erin.run(['login', '--username', 'erin', '--password-stdin'], { stdin: 'not-the-password\n' });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/Wrong username or password/);
  });

  it('refuses a taken username', async () => {
    const other = await SftUser.create('erin', server);
    try {
      const result = await other.run(['register', '--username', 'erin', '--password-stdin'], { stdin: 'another-password\n' });
      expect(result.code).not.toBe(0);
      expect(result.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(2);
    } finally {
      await other.cleanUp();
    }
  });

  it('logs in again without --username: register and login remember the username with the server, past logout', async () => {
    const user = await SftUser.create('gina', server);
    try {
      await user.register();
      expectExit(await user.run(['logout']), 0);
      const result = expectExit(await user.run(['login', '--password-stdin', '--json'], { stdin: `${user.password}\n` }), 0);
      expect(JSON.parse(result.stdout.trim().split('\n').pop() ?? '')).toMatchObject({ event: 'login', username: 'gina', server: server.url });
      const wrong = await user.run(['login', '--password-stdin'], { stdin: 'not-the-password\n' });
      expect(wrong.code).toBe(3);
    } finally {
      await user.cleanUp();
    }
  });

  it('asks for --username instead of prompting when nobody logged in to that server from here (exit 2)', async () => {
    const result = await runSft(['login', '--password-stdin', '--server', server.url, '--ca', server.caCertPath], {
      home: path.join(erin.dir, 'no-login-yet'),
      stdin: 'x\n',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--username/);
  });

  it('logs out: the token is revoked on the server and removed locally', async () => {
    const user = await SftUser.create('frank', server);
    try {
      await user.register();
      const credentialsFile = path.join(user.home, 'credentials.json');
      const stolen = await fs.readFile(credentialsFile, 'utf8');
      expectExit(await user.run(['logout']), 0);
      expect(await fs.readFile(credentialsFile, 'utf8')).not.toContain('token');
      // Put the old token back: the server must refuse it now.
      await fs.writeFile(credentialsFile, stolen, { mode: 0o600 });
      const whoami = await user.run(['whoami']);
      expect(whoami.code).toBe(3);
    } finally {
      await user.cleanUp();
    }
  });
});

describe('reaching the server', () => {
  it('exits 5 when the server is unreachable', async () => {
    const result = await runSft(['login', '--username', 'x', '--password-stdin', '--server', 'https://127.0.0.1:1'], {
      home: path.join(erin.dir, 'nowhere'),
      stdin: 'password123\n',
    });
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/Could not reach/);
  });

  it('tells the user to pass --ca when the server certificate is not trusted', async () => {
    const result = await runSft(['login', '--username', 'erin', '--password-stdin', '--server', server.url], {
      home: path.join(erin.dir, 'fresh'),
      stdin: `${erin.password}\n`,
    });
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/not trusted/);
    expect(result.stderr).toMatch(/--ca/);
  });
});
