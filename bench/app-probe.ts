/**
 * Preloaded into the server processes by the bench (`node --import ./bench/app-probe.ts`), never
 * by the app itself. SIGWINCH prints one memory line to stderr (stdout is the request log, sent to a file) (after a GC when `--expose-gc` is on), so the
 * soak can read the heap (SIGWINCH: Nest's shutdown hooks own SIGUSR2); SIGINT exits through `process.exit`, so `--cpu-prof` writes its profile.
 */
process.on('SIGWINCH', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const { rss, heapUsed, heapTotal } = process.memoryUsage();
  process.stderr.write(`[bench-mem] ${JSON.stringify({ pid: process.pid, rss, heapUsed, heapTotal })}\n`);
});
process.on('SIGINT', () => process.exit(0));
