import { runCli } from '../../src/cli/cli.js';
import { loadConfig } from '../../src/config/env.schema.js';
import { createOrmOptions, type OrmSettings } from '../../src/database/orm-config.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a CLI command in-process against `databaseUrl`, collecting what it prints. */
export async function cli(
  argv: string[],
  databaseUrl: string,
  settings: Pick<OrmSettings, 'entities'> = {},
): Promise<CliResult> {
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  const { database } = loadConfig({ DATABASE_URL: databaseUrl });
  const code = await runCli(
    argv,
    { log: (line) => lines.stdout.push(line), error: (line) => lines.stderr.push(line) },
    createOrmOptions({ database, ...settings }),
  );
  return { code, stdout: lines.stdout.join('\n'), stderr: lines.stderr.join('\n') };
}
