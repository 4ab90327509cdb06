import cluster from 'node:cluster';

/**
 * Runs `workers` copies of this process sharing one port through node:cluster (the primary
 * hands connections to the workers); returns true in the primary, which serves nothing itself.
 * With one worker, nothing forks. The first worker starts alone, so a first start creates the
 * SQLite schema once; the others follow when it listens. SQLite in WAL mode with a busy timeout
 * takes writers from every process. The primary forwards SIGTERM/SIGINT and exits when all
 * workers have; a worker that dies after it served is replaced, one that dies before it ever
 * listened (a broken database, say) stops the whole cluster with its exit code.
 */
export function startCluster(workers: number): boolean {
  if (workers <= 1 || !cluster.isPrimary) return false;
  let stopping = false;
  const listened = new WeakSet<object>();
  const fork = () => {
    const worker = cluster.fork();
    worker.once('listening', () => listened.add(worker));
    return worker;
  };
  fork().once('listening', () => {
    for (let i = 1; i < workers; i++) fork();
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
      return;
    }
    if (!listened.has(worker)) {
      console.error(`users-service: worker ${worker.process.pid} failed to start (${signal ?? code}), stopping`);
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
      process.exitCode = code || 1;
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
      return;
    }
    console.error(`users-service: worker ${worker.process.pid} exited (${signal ?? code}), starting another`);
    fork();
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    });
  }
  return true;
}
