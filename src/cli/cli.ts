import 'reflect-metadata';
import { MikroORM, type Options } from '@mikro-orm/core';
import { ConfigError } from '../config/config-error.js';
import { inOwnContext } from '../database/orm/own-context.js';
import { npmCommand, UsageError, type CliCommand, type CliOutput } from './cli-command.js';
import { cliHelp, commandHelp, unknownFlag, wantsHelp } from './cli-help.js';
import { dbInspectCommand } from './commands/db-inspect.command.js';
import { migrationBaselineCommand } from './commands/migration-baseline.command.js';
import { migrationCheckCommand } from './commands/migration-check.command.js';
import { migrationCreateCommand } from './commands/migration-create.command.js';
import { migrationDownCommand } from './commands/migration-down.command.js';
import { migrationListCommand } from './commands/migration-list.command.js';
import { migrationUpCommand } from './commands/migration-up.command.js';
import { schemaCreateCommand } from './commands/schema-create.command.js';
import { schemaDropCommand } from './commands/schema-drop.command.js';
import { schemaUpdateCommand } from './commands/schema-update.command.js';
import { seedCommand } from './commands/seed.command.js';

/** Every command `npm run <name>` can reach. */
export const COMMANDS: CliCommand[] = [
  schemaCreateCommand,
  schemaUpdateCommand,
  schemaDropCommand,
  migrationCreateCommand,
  migrationUpCommand,
  migrationDownCommand,
  migrationListCommand,
  migrationCheckCommand,
  migrationBaselineCommand,
  dbInspectCommand,
  seedCommand,
];

/**
 * Runs one command against the ORM built from `mikro-orm.config.ts` (the app's own config,
 * honouring DATABASE_URL), or from `options` when a spec passes its own. Returns the exit code;
 * never leaves the ORM open.
 */
export async function runCli(argv: string[], out: CliOutput = console, options?: Partial<Options>): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    out.log(cliHelp(COMMANDS));
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    out.error(name ? `unknown command "${name}"\n\n${cliHelp(COMMANDS)}` : cliHelp(COMMANDS));
    return 2;
  }
  // Help and flag typos are answered before any database is opened.
  if (wantsHelp(args)) {
    out.log(commandHelp(command));
    return 0;
  }
  const unknown = unknownFlag(command, args);
  if (unknown) {
    out.error(`${command.name}: unknown flag ${unknown} (see ${npmCommand(command.name, '--help')})`);
    return 2;
  }
  let orm: MikroORM | undefined;
  try {
    const opened = await MikroORM.init(options ?? (await cliOrmOptions()));
    orm = opened;
    // Like an HTTP request: the command's own context, never the global EntityManager.
    return await inOwnContext(opened, () => command.run(opened, args, out));
  } catch (error) {
    if (error instanceof UsageError) {
      out.error(error.message);
      return 2;
    }
    if (error instanceof ConfigError) {
      out.error(error.message);
      return 1;
    }
    out.error(`${command.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await orm?.close();
  }
}

/**
 * The app's ORM configuration, with DB_DEBUG's SQL lines and MikroORM's own messages on stderr:
 * stdout carries only what the command prints, so `npm run --silent db:inspect -- --json | jq .`
 * reads clean JSON whatever the log settings.
 */
async function cliOrmOptions(): Promise<Partial<Options>> {
  const config = (await import('../../mikro-orm.config.js')).default;
  return { ...config, logger: (message: string) => process.stderr.write(`${message}\n`) };
}

// Run when executed as a script, not when a spec imports `runCli`.
if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runCli(process.argv.slice(2), terminalOutput());
}

/** `console`, plus a progress line rewritten in place on a terminal (and silent in a pipe or CI log). */
function terminalOutput(): CliOutput {
  const tty = process.stderr.isTTY;
  return {
    log: (message) => {
      if (tty) process.stderr.write('\r\x1b[K');
      console.log(message);
    },
    error: (message) => console.error(message),
    progress: tty ? (line) => process.stderr.write(`\r\x1b[K${line}`) : undefined,
  };
}
