import type { MikroORM } from '@mikro-orm/core';

/** What a command prints; the CLI passes `console` and a spec passes a collector. */
export interface CliOutput {
  log(message: string): void;
  error(message: string): void;
  /** A transient status line (`users: 3000/10000`), shown only when a person is watching. */
  progress?(line: string): void;
}

/** One flag of a command, as `--help` lists it (`--to <name>`, `--yes, -y`). */
export interface CliOption {
  flag: string;
  means: string;
}

/** One `npm run <name>` command, run against an ORM the CLI opened for it. */
export interface CliCommand {
  name: string;
  description: string;
  /** The flags after `--`, as the usage line shows them (`[--dry-run]`). */
  usage?: string;
  /** Every flag the command accepts; `--help` lists them and any other flag is refused. */
  options?: CliOption[];
  /** Returns the process exit code. */
  run(orm: MikroORM, args: string[], out: CliOutput): Promise<number>;
}

/** Raised for a misuse the user can fix (wrong flag, missing confirmation): printed, exit 2. */
export class UsageError extends Error {}

/** How a person types the command, flags after npm's `--` (`npm run schema:drop -- --yes`). */
export function npmCommand(name: string, flags = ''): string {
  return flags ? `npm run ${name} -- ${flags}` : `npm run ${name}`;
}
