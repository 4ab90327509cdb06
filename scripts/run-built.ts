/**
 * `npm run cli -- …` and `npm run repl`: runs a compiled entry point of dist/, and runs
 * `nest build` first only when a source changed since the last build, so repeated commands
 * start at once instead of rebuilding the whole app every time.
 *
 * Why not run the TypeScript sources directly with Node 24's type stripping: the entities and
 * Nest classes use legacy decorators with emitted metadata (`design:paramtypes`), which type
 * stripping rejects (a SyntaxError at the first `@`), and the sources import `./x.js` paths
 * that only exist once compiled. So dist/ stays what runs; this only decides when to rebuild.
 *
 * This file runs as TypeScript through that same type stripping: node built-ins only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');

/** What the build reads: a change to any of these makes dist/ stale. */
export const BUILD_INPUTS = ['src', 'mikro-orm.config.ts', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'];

/** Written after each build this launcher ran; its mtime is when that build started. */
export const STAMP = 'dist/.built-from-sources';

/**
 * The latest change under `inputs`, in ms. Folders count too: deleting or renaming a file
 * changes its folder's mtime, which a walk over the files alone would miss.
 */
export function latestChange(root: string, inputs: string[] = BUILD_INPUTS): number {
  let latest = 0;
  const visit = (path: string): void => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    latest = Math.max(latest, stat.mtimeMs);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
  };
  for (const input of inputs) visit(join(root, input));
  return latest;
}

/** True when the last build this launcher ran started after every change to the build's inputs. */
export function isBuildCurrent(root: string, inputs: string[] = BUILD_INPUTS): boolean {
  const stamp = statSync(join(root, STAMP), { throwIfNoEntry: false });
  return stamp !== undefined && stamp.mtimeMs >= latestChange(root, inputs);
}

/** `nest build`, its output on stderr so that a command's stdout (`--json`) stays its own. */
function build(root: string): void {
  process.stderr.write('building dist/ (sources changed since the last build)…\n');
  // Taken before the build: a source saved while it runs is newer, so the next run builds again.
  const started = new Date();
  const result = spawnSync(join(root, 'node_modules/.bin/nest'), ['build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) process.exit(result.status ?? 1);
  const stamp = join(root, STAMP);
  writeFileSync(stamp, 'dist/ was built by scripts/run-built.ts from the sources of this time\n');
  utimesSync(stamp, started, started);
}

if (import.meta.main) {
  const [entry, ...args] = process.argv.slice(2);
  const target = entry ? resolve(ROOT, entry) : undefined;
  if (!target) {
    process.stderr.write('usage: node scripts/run-built.ts <dist entry, e.g. dist/src/cli/cli.js> [args…]\n');
    process.exit(2);
  }
  if (!isBuildCurrent(ROOT) || !existsSync(target)) build(ROOT);
  // The entry runs in this process, as if started directly: `node dist/src/cli/cli.js args…`.
  process.argv = [process.argv[0], target, ...args];
  await import(pathToFileURL(target).href);
}
