import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

/** `2 × AMD EPYC 7B13, 24 GiB`: what the figures were measured on. */
export function machineDescription(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${availableParallelism()} × ${model}, ${Math.round(totalmem() / 1024 ** 3)} GiB`;
}

/** `load average 0.12 0.30 0.25`: a busy machine shows here before it shows in the figures. */
export function loadAverage(): string {
  return `load average ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`;
}

/**
 * The processes other than the bench's own using the most CPU right now (from /proc, over 1 s):
 * printed at the start so that a busy machine is named, not guessed at.
 */
export async function busyProcesses(ownPids: Set<number>, limit = 3): Promise<string[]> {
  const sample = () => {
    const out = new Map<number, { name: string; ticks: number }>();
    for (const entry of readdirSafe('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || ownPids.has(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(pid, { name, ticks: Number(fields[11]) + Number(fields[12]) });
      } catch {
        // the process ended between readdir and read
      }
    }
    return out;
  };
  const before = sample();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = sample();
  return [...after]
    .map(([pid, { name, ticks }]) => ({ pid, name, cpu: ticks - (before.get(pid)?.ticks ?? ticks) }))
    .filter((p) => p.cpu >= 5)
    .sort((a, b) => b.cpu - a.cpu)
    .slice(0, limit)
    .map((p) => `${p.name} (pid ${p.pid}) ${p.cpu}% of a core`);
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * `--pin`, on a machine of 2+ CPUs with one process per server: every server on CPU 0, the bench
 * itself (the load generator, autocannon) on CPU 1, so the scheduler no longer decides how much of
 * the second core each server gets beside the load generator. Not the default: tried on
 * 2026-12-02 (bench/results/pinned.txt) it left 8 of 10 scenarios noisy (the host's own speed
 * drifts), and it denies the app the second core its GC threads and log writes can use, which the
 * baseline barely needs. Returns the servers' CPU list, or why they are not pinned.
 */
export function pinCpus(workers: number, wanted: boolean): { servers?: string; note: string } {
  if (!wanted) return { note: 'not pinned (the scheduler places servers and load generator; --pin to pin)' };
  if (workers > 1) return { note: `not pinned (WORKERS=${workers} needs every core)` };
  if (availableParallelism() < 2) return { note: 'not pinned (one CPU)' };
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  } catch {
    return { note: 'not pinned (taskset failed; it comes with util-linux)' };
  }
  return { servers: '0', note: 'servers pinned to CPU 0, load generator to CPU 1' };
}
