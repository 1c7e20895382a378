/**
 * CPU and memory of other processes, read from Linux /proc (undefined elsewhere or once a process is
 * gone): what the gateway benchmark charges to each gateway, its PostgreSQL and the upstream.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields[0] is field 3 (state): ppid = 4, utime = 14, stime = 15, cutime = 16, cstime = 17.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime of a process (and of its reaped children), in ms. */
export function procCpuMs(pid: number | undefined, withChildren = false): number | undefined {
  if (!pid) return undefined;
  const f = statFields(pid);
  if (!f) return undefined;
  const ticks = Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
  return (ticks * 1000) / CLK_TCK;
}

/** CPU of a server and everything it forked: itself, its reaped children and its live children (PostgreSQL backends). */
export function treeCpuMs(root: number | undefined): number | undefined {
  let total = procCpuMs(root, true);
  if (total === undefined) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(Number(entry));
    if (f && Number(f[1]) === root) total += procCpuMs(Number(entry)) ?? 0;
  }
  return total;
}

/** Resident set size in MB (VmRSS), or its peak so far (VmHWM). */
export function rssMb(pid: number | undefined, peak = false): number | undefined {
  if (!pid) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = new RegExp(`^${peak ? 'VmHWM' : 'VmRSS'}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** Samples the RSS of some processes every `everyMs` and keeps each one's maximum, until stopped. */
export function rssSampler(pids: Record<string, number | undefined>, everyMs = 100): () => Record<string, number | undefined> {
  const max: Record<string, number | undefined> = {};
  const sample = () => {
    for (const [name, pid] of Object.entries(pids)) {
      const v = rssMb(pid);
      if (v !== undefined) max[name] = Math.max(max[name] ?? 0, v);
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return () => {
    clearInterval(timer);
    sample();
    return max;
  };
}
