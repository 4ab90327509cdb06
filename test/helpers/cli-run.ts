import { runCli } from '../../src/cli/cli.js';
import { loadConfig } from '../../src/config/env.schema.js';
import { appOrmOptions, type AppOrmSettings } from '../../src/app-orm.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a CLI command in-process against `databaseUrl`, collecting what it prints. */
export async function cli(
  argv: string[],
  databaseUrl: string,
  settings: Pick<AppOrmSettings, 'entities'> = {},
): Promise<CliResult> {
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  const { database } = loadConfig({ DATABASE_URL: databaseUrl });
  const code = await runCli(
    argv,
    { log: (line) => lines.stdout.push(line), error: (line) => lines.stderr.push(line) },
    appOrmOptions({ database, ...settings }),
  );
  return { code, stdout: lines.stdout.join('\n'), stderr: lines.stderr.join('\n') };
}
