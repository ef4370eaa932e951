// Server cost as Linux reports it: CPU seconds from /proc/PID/stat (utime + stime, all threads,
// in clock ticks) and resident memory from /proc/PID/status (VmRSS, VmHWM for the peak).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** `getconf CLK_TCK`, read once; 100 on every Linux we know of, used if getconf is missing. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isFinite(value) && value > 0 ? value : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** The fields after `(comm)`: comm may contain spaces and parentheses, so split after the last ')'. */
function statFields(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of the process (every thread), in seconds. Field 3 of stat(5) is index 0 here. */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  return (utime + stime) / clockTicksPerSecond();
}

export function parentPid(pid: number): number {
  return Number(statFields(pid)[4 - 3]);
}

export function processName(pid: number): string {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
}

function statusKiB(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
  if (!match?.[1]) throw new Error(`no ${key} in /proc/${pid}/status`);
  return Number(match[1]);
}

/** Resident set size now, KiB. */
export function rssKiB(pid: number): number {
  return statusKiB(pid, 'VmRSS');
}

/** Peak resident set size since the process started, KiB. */
export function peakRssKiB(pid: number): number {
  return statusKiB(pid, 'VmHWM');
}

/**
 * Resets VmHWM to the current RSS (`echo 5 > /proc/PID/clear_refs`, Linux ≥ 4.0, needs the
 * process's owner or root), so a later peakRssKiB() is the peak of one measured interval. False
 * when the kernel or permissions do not allow it.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface RssWatch {
  /** Stops sampling; the highest RSS seen, KiB (with VmHWM when it could be reset at the start). */
  stop(): number;
  /** Stops sampling without a result (a run abandoned at its deadline); safe to call twice. */
  destroy(): void;
}

/**
 * The peak RSS of a process over an interval: VmHWM reset at the start and read at the end where
 * the kernel allows it, and VmRSS sampled every `intervalMs` as well (and as the only source when not).
 */
export function watchPeakRss(pid: number, intervalMs = 50): RssWatch {
  const hasReset = resetPeakRss(pid);
  let peak = rssKiB(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssKiB(pid));
    } catch {
      // the process is gone; the run will say so
    }
  }, intervalMs);
  return {
    destroy(): void {
      clearInterval(timer);
    },
    stop(): number {
      clearInterval(timer);
      peak = Math.max(peak, rssKiB(pid));
      return hasReset ? Math.max(peak, peakRssKiB(pid)) : peak;
    },
  };
}

/** Direct children of a process, by scanning /proc (no reliance on CONFIG_PROC_CHILDREN). */
export function childPids(pid: number): number[] {
  const found: number[] = [];
  for (const name of readdirNumeric('/proc')) {
    try {
      if (parentPid(name) === pid) found.push(name);
    } catch {
      // the process exited while we looked
    }
  }
  return found;
}

function readdirNumeric(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((name) => /^\d+$/.test(name)).map(Number);
}

/** A process's cost over one measurement. */
export interface CostSnapshot {
  cpuSeconds: number;
  rssKiB: number;
}

export function snapshot(pid: number): CostSnapshot {
  return { cpuSeconds: cpuSeconds(pid), rssKiB: rssKiB(pid) };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
