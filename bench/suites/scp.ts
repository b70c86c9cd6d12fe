/**
 * scp and rsync over a throwaway sshd on 127.0.0.1, only where `scp`, `ssh-keygen` and `sshd` are
 * installed (the bench never installs them; `apt-get install openssh-server rsync`). The sshd runs in
 * the foreground with its own config, host key and one authorized client key, all generated in a
 * scratch dir; the client checks the host key against a known_hosts file holding exactly that key
 * (StrictHostKeyChecking=yes). Each copy also measures CPU seconds and peak RSS per side:
 * sending side = scp (or rsync) + ssh, receiving side = the sshd session and the remote scp/rsync.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sha256OfFile } from '../lib/files';
import { freePort, waitForPort, which } from '../lib/loopback';
import { descendants, reapedChildrenCpuSeconds, TreePeakSampler } from '../lib/proc-tree';

const SSHD_CANDIDATES = ['/usr/sbin/sshd', '/usr/bin/sshd', '/usr/local/sbin/sshd'];
/** The cipher of the fast rows (OpenSSH's default is chacha20-poly1305). */
export const SSH_GCM = 'aes256-gcm@openssh.com';

export type SshTool = 'scp' | 'rsync';

export interface SshCopy {
  seconds: number;
  /** CPU seconds of scp/rsync + ssh (null when /proc is not readable). */
  senderCpuSeconds: number | null;
  /** CPU seconds of the sshd session and the remote scp/rsync. */
  receiverCpuSeconds: number | null;
  senderPeakRss: number;
  receiverPeakRss: number;
}

export class SshLink {
  private constructor(
    readonly available: boolean,
    readonly reason: string,
    private readonly dir: string,
    private readonly port: number,
    private readonly sshd: ChildProcess | null,
    /** Why rsync rows are skipped ('' when rsync is installed). */
    readonly rsyncMissing: string,
  ) {}

  static async start(dir: string): Promise<SshLink> {
    const scp = which('scp');
    const keygen = which('ssh-keygen');
    const sshd = SSHD_CANDIDATES.find((p) => existsSync(p)) ?? which('sshd');
    const rsyncMissing = which('rsync') ? '' : 'rsync skipped: rsync not installed';
    const missing = [!scp && 'scp', !keygen && 'ssh-keygen', !sshd && 'sshd'].filter(Boolean);
    if (missing.length > 0) return new SshLink(false, `scp skipped: ${missing.join(', ')} not installed (apt-get install openssh-server)`, dir, 0, null, rsyncMissing);
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
        'PermitRootLogin prohibit-password',
        'UsePAM no',
        'StrictModes no',
        'Subsystem sftp internal-sftp',
      ].join('\n');
      writeFileSync(join(dir, 'sshd_config'), `${config}\n`);
      // sshd refuses to start without its privilege separation directory (normally made by the service unit).
      mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
      const child = spawn(sshd!, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
      await waitForPort(port, 'sshd');
      return new SshLink(true, '', dir, port, child, rsyncMissing);
    } catch (error) {
      return new SshLink(false, `scp skipped: could not start a loopback sshd (${(error as Error).message.split('\n')[0]})`, dir, 0, null, rsyncMissing);
    }
  }

  /**
   * Copies `input` to `out` with `tool` (cipher: OpenSSH's default, or e.g. SSH_GCM); seconds from
   * spawn to exit, and each side's CPU and peak RSS. Verifies the copy when `digest` is given, then deletes it.
   */
  async copy(tool: SshTool, cipher: string | null, input: string, out: string, digest: string | null, timeoutMs: number): Promise<SshCopy> {
    const sshOptions = ['-i', join(this.dir, 'client_key'), '-o', `UserKnownHostsFile=${join(this.dir, 'known_hosts')}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', ...(cipher ? ['-c', cipher] : [])];
    const target = `${userInfo().username}@127.0.0.1:${out}`;
    const args =
      tool === 'scp'
        ? ['-q', '-P', String(this.port), ...sshOptions, input, target]
        : ['--whole-file', '-e', ['ssh', '-p', String(this.port), ...sshOptions].join(' '), input, target];
    const sshdPid = this.sshd?.pid ?? 0;
    const ownBefore = reapedChildrenCpuSeconds('self');
    const sshdBefore = reapedChildrenCpuSeconds(sshdPid);
    const started = performance.now();
    let child: ChildProcess | null = null;
    const sending = new TreePeakSampler(() => (child?.pid ? [child.pid] : []));
    const receiving = new TreePeakSampler(() => [sshdPid], false);
    const code = await new Promise<number | null>((resolve, reject) => {
      child = spawn(tool, args, { stdio: 'ignore' });
      const timer = setTimeout(() => child!.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    const seconds = (performance.now() - started) / 1000;
    const senderPeakRss = sending.stop();
    await this.sessionsGone(sshdPid);
    const receiverPeakRss = receiving.stop();
    const ownAfter = reapedChildrenCpuSeconds('self');
    const sshdAfter = reapedChildrenCpuSeconds(sshdPid);
    try {
      if (code !== 0) throw new Error(`${tool} exited ${code}`);
      if (digest && (await sha256OfFile(out)) !== digest) throw new Error(`${tool} output differs from the input`);
    } finally {
      rmSync(out, { force: true });
    }
    const delta = (before: number | null, after: number | null) => (before === null || after === null ? null : after - before);
    return { seconds, senderCpuSeconds: delta(ownBefore, ownAfter), receiverCpuSeconds: delta(sshdBefore, sshdAfter), senderPeakRss, receiverPeakRss };
  }

  async stop(): Promise<void> {
    if (!this.sshd || this.sshd.exitCode !== null) return;
    const closed = new Promise((resolve) => this.sshd!.once('close', resolve));
    this.sshd.kill('SIGTERM');
    await closed;
  }

  /** Waits (up to 5 s) until the sshd has reaped the copy's session, so its CPU is in the sshd's cutime. */
  private async sessionsGone(sshdPid: number): Promise<void> {
    for (let i = 0; i < 100 && descendants(sshdPid).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
