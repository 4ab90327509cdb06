/**
 * `npm run docs:lint`: lints the document the app serves with Redocly (recommended rules,
 * redocly.yaml) and Spectral (spectral:oas, .spectral.yaml). Fails on any error of either, and
 * on any Spectral warning: the aim is a clean document, and a rule we disagree with is turned
 * off in the ruleset with its reason, not ignored here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT, servedDocument } from './served-document.ts';

const scratch = mkdtempSync(join(tmpdir(), 'users-service-lint-'));
const file = join(scratch, 'openapi.json');
let failed = false;
try {
  writeFileSync(file, await servedDocument());
  const run = (label: string, bin: string, args: string[]) => {
    console.log(`\n=== ${label}`);
    const result = spawnSync(join(ROOT, 'node_modules/.bin', bin), args, {
      cwd: ROOT,
      stdio: 'inherit',
      // The linters' `#!/usr/bin/env node` must find this Node (the project's), not the system's.
      // Redocly would otherwise send usage telemetry and look for updates over the network.
      env: {
        ...process.env,
        PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
        REDOCLY_TELEMETRY: 'off',
        REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
      },
    });
    if (result.status !== 0) {
      failed = true;
      console.error(`${label}: failed (exit ${result.status ?? result.signal})`);
    }
  };
  run('redocly lint (recommended, redocly.yaml)', 'redocly', ['lint', '--config', 'redocly.yaml', file]);
  run('spectral lint (spectral:oas, .spectral.yaml)', 'spectral', [
    'lint',
    '--ruleset',
    '.spectral.yaml',
    '--fail-severity',
    'warn',
    file,
  ]);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
if (failed) process.exit(1);
console.log('\ndocs:lint passed: the served document has no errors or warnings');
