/**
 * scp over a throwaway sshd on 127.0.0.1, only where `scp`, `ssh-keygen` and `sshd` are installed
 * (the bench never installs them). Host and client keys are generated in a scratch dir; the client
 * checks the host key against a known_hosts file holding exactly that key (StrictHostKeyChecking=yes).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sha256OfFile } from '../lib/files';

const SSHD_CANDIDATES = ['/usr/sbin/sshd', '/usr/bin/sshd', '/usr/local/sbin/sshd'];

export class ScpLink {
  private constructor(
    readonly available: boolean,
    readonly reason: string,
    private readonly dir: string,
    private readonly port: number,
    private readonly sshd: ChildProcess | null,
  ) {}

  static async start(dir: string): Promise<ScpLink> {
    const scp = which('scp');
    const keygen = which('ssh-keygen');
    const sshd = SSHD_CANDIDATES.find((p) => existsSync(p)) ?? which('sshd');
    const missing = [!scp && 'scp', !keygen && 'ssh-keygen', !sshd && 'sshd'].filter(Boolean);
    if (missing.length > 0) return new ScpLink(false, `scp skipped: ${missing.join(', ')} not installed`, dir, 0, null);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      for (const name of ['host_key', 'client_key']) execFileSync(keygen!, ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, name)]);
      writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')), { mode: 0o600 });
      const port = await freePort();
      const hostPub = readFileSync(join(dir, 'host_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
      writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostPub}\n`);
      const config = [
        `ListenAddress 127.0.0.1:${port}`,
        `HostKey ${join(dir, 'host_key')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'Subsystem sftp internal-sftp',
      ].join('\n');
      writeFileSync(join(dir, 'sshd_config'), `${config}\n`);
      const child = spawn(sshd!, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
      await waitForPort(port);
      return new ScpLink(true, '', dir, port, child);
    } catch (error) {
      return new ScpLink(false, `scp skipped: could not start a loopback sshd (${(error as Error).message.split('\n')[0]})`, dir, 0, null);
    }
  }

  /** Copies `input` to `out` with scp; seconds from spawn to exit. Verifies the copy when `digest` is given, then deletes it. */
  async copy(input: string, out: string, digest: string | null, timeoutMs: number): Promise<number> {
    const args = ['-q', '-B', '-i', join(this.dir, 'client_key'), '-P', String(this.port), '-o', `UserKnownHostsFile=${join(this.dir, 'known_hosts')}`, '-o', 'StrictHostKeyChecking=yes', input, `${userInfo().username}@127.0.0.1:${out}`];
    const started = performance.now();
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('scp', args, { stdio: 'ignore' });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    const seconds = (performance.now() - started) / 1000;
    try {
      if (code !== 0) throw new Error(`scp exited ${code}`);
      if (digest && (await sha256OfFile(out)) !== digest) throw new Error('scp output differs from the input');
    } finally {
      rmSync(out, { force: true });
    }
    return seconds;
  }

  async stop(): Promise<void> {
    if (!this.sshd || this.sshd.exitCode !== null) return;
    const closed = new Promise((resolve) => this.sshd!.once('close', resolve));
    this.sshd.kill('SIGTERM');
    await closed;
  }
}

function which(command: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port}`);
}
