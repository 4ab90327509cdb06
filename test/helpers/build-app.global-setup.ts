import { execFileSync } from 'node:child_process';

/**
 * Process specs (test/process/) start the built service, `dist/src/main.js`, as a real child
 * process; this builds it once per test run, before any spec starts.
 */
export default function buildApp(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
}
