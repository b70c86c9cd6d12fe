/** What the numbers were measured on: machine, Node version and git commit. */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
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
    memoryBytes: os.totalmem(),
    platform: `${os.platform()}-${os.arch()}`,
    kernel: os.release(),
    node: process.version,
    gitCommit: git(repoDir, ['rev-parse', 'HEAD']),
    gitDirty: dirty(repoDir),
  };
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
