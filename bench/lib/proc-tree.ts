/**
 * CPU and memory of processes the bench did not start as Node children (scp, ssh, sshd, rsync),
 * read from Linux /proc. CPU comes from a parent's `cutime + cstime` (the CPU of every child it has
 * reaped, and of their reaped children), so nothing is lost between samples; peak RSS from polling
 * the VmHWM of every process in a tree, summed over the tree's processes.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;
const POLL_MS = 100;

/** Fields of /proc/<pid>/stat after the command name: state is index 0, ppid 1, utime 11, stime 12, cutime 13, cstime 14. */
function statFields(pid: number | 'self'): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** CPU seconds of the reaped children (and their reaped children) of `pid`; null off Linux. */
export function reapedChildrenCpuSeconds(pid: number | 'self'): number | null {
  const fields = statFields(pid);
  return fields ? (Number(fields[13]) + Number(fields[14])) / USER_HZ : null;
}

/** Pids of every living descendant of `root` (not `root` itself). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  for (const name of entries) {
    const fields = statFields(Number(name));
    if (!fields) continue;
    const ppid = Number(fields[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const found: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

function peakRssBytes(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Polls the peak RSS of a process tree until stop(): the sum over its processes of each one's VmHWM. */
export class TreePeakSampler {
  private readonly peaks = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;

  /** `roots`: the tree's top processes; `includeRoots` false samples only their descendants (e.g. a listening sshd's sessions). */
  constructor(
    private readonly roots: () => number[],
    private readonly includeRoots = true,
  ) {
    this.timer = setInterval(() => this.sample(), POLL_MS);
    this.sample();
  }

  sample(): void {
    for (const root of this.roots()) {
      for (const pid of [...(this.includeRoots ? [root] : []), ...descendants(root)]) {
        const peak = peakRssBytes(pid);
        if (peak > (this.peaks.get(pid) ?? 0)) this.peaks.set(pid, peak);
      }
    }
  }

  /** Stops polling; the summed peak in bytes. */
  stop(): number {
    clearInterval(this.timer);
    let sum = 0;
    for (const peak of this.peaks.values()) sum += peak;
    return sum;
  }
}
