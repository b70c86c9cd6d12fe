/** What the numbers were measured on: machine, Node version and git commit. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  /** The CPU flags that decide crypto speed (AES-NI, VAES, carry-less multiply, SHA extensions, AVX), from /proc/cpuinfo. */
  cpuCryptoFlags: string[];
  memoryBytes: number;
  platform: string;
  kernel: string;
  node: string;
  gitCommit: string | null;
  /** True when the working tree had uncommitted changes. */
  gitDirty: boolean | null;
}

export function machineInfo(repoDir: string): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCryptoFlags: cryptoFlags(),
    memoryBytes: os.totalmem(),
    platform: `${os.platform()}-${os.arch()}`,
    kernel: os.release(),
    node: process.version,
    gitCommit: git(repoDir, ['rev-parse', 'HEAD']),
    gitDirty: dirty(repoDir),
  };
}

const CRYPTO_FLAGS = ['aes', 'vaes', 'pclmulqdq', 'vpclmulqdq', 'sha_ni', 'avx2', 'avx512f'];

function cryptoFlags(): string[] {
  try {
    const line = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    const flags = new Set(line ? line[1].trim().split(/\s+/) : []);
    return CRYPTO_FLAGS.filter((f) => flags.has(f));
  } catch {
    return [];
  }
}

function git(cwd: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function dirty(cwd: string): boolean | null {
  const status = git(cwd, ['status', '--porcelain', '--untracked-files=no']);
  return status === null ? null : status.length > 0;
}
