/**
 * Preloaded into the server processes by the bench (`node --import ./bench/app-probe.mjs`), never
 * by the app itself. SIGWINCH prints one memory line to stderr (stdout is the request log, sent
 * to a file), after a GC when `--expose-gc` is on, so the soak can read the heap (SIGWINCH: Nest's
 * shutdown hooks own SIGUSR2); SIGINT exits through `process.exit`, so `--cpu-prof` writes its
 * profile.
 *
 * Plain JavaScript on purpose: a `.ts` preload makes Node load its TypeScript stripper into the
 * server, which the app (compiled JavaScript) never has in production; it added 14–22 MB to the
 * app's measured RSS (export's peak read 220 MB where the app alone peaks at 206 MB).
 */
process.on('SIGWINCH', () => {
  globalThis.gc?.();
  const { rss, heapUsed, heapTotal } = process.memoryUsage();
  process.stderr.write(`[bench-mem] ${JSON.stringify({ pid: process.pid, rss, heapUsed, heapTotal })}\n`);
});
process.on('SIGINT', () => process.exit(0));
