import { execFileSync } from 'node:child_process';

/**
 * The process specs (test/process/) run the compiled app as a real child process, as
 * `npm run start:prod` does; build it once before any spec runs.
 */
export default function buildOnce(): void {
  execFileSync('npx', ['nest', 'build'], { stdio: 'inherit' });
}
