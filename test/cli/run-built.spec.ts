import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { isBuildCurrent, STAMP } from '../../scripts/run-built.js';
import { tempDir } from '../helpers/temp-dir.js';

// The launcher's one decision, on a real folder tree with real mtimes: build, or run dist/ as it is.
let dir: ReturnType<typeof tempDir>;
const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
const write = (path: string, seconds: number) => {
  const file = join(dir.path, path);
  writeFileSync(file, 'x');
  utimesSync(file, at(seconds), at(seconds));
};
const folder = (path: string, seconds: number) => utimesSync(join(dir.path, path), at(seconds), at(seconds));

beforeEach(() => {
  dir = tempDir();
  mkdirSync(join(dir.path, 'src/users'), { recursive: true });
  mkdirSync(join(dir.path, 'dist'));
  write('src/users/user.entity.ts', 10);
  write('src/main.ts', 10);
  write('tsconfig.json', 10);
  folder('src/users', 10);
  folder('src', 10);
});
afterEach(() => dir.remove());

it('builds when dist/ was never built by the launcher', () => {
  expect(isBuildCurrent(dir.path)).toBe(false);
});

it('runs dist/ as it is when the last build started after every change', () => {
  write(STAMP, 20);
  expect(isBuildCurrent(dir.path)).toBe(true);
});

it('builds again after a source file changed, however deep', () => {
  write(STAMP, 20);
  write('src/users/user.entity.ts', 30);
  expect(isBuildCurrent(dir.path)).toBe(false);
});

it('builds again after a source file was deleted (its folder changed)', () => {
  write(STAMP, 20);
  rmSync(join(dir.path, 'src/users/user.entity.ts'));
  folder('src/users', 30);
  expect(isBuildCurrent(dir.path)).toBe(false);
});

it('builds again after a build setting changed (tsconfig.json)', () => {
  write(STAMP, 20);
  write('tsconfig.json', 30);
  expect(isBuildCurrent(dir.path)).toBe(false);
});
