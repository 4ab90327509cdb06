import { npmCommand, type CliCommand } from './cli-command.js';

/** Every command with its usage, as `npm run cli -- --help` (or an unknown command) prints it. */
export function cliHelp(commands: CliCommand[]): string {
  const lines = commands.map((c) => `  ${c.name.padEnd(20)} ${c.description}`);
  return [
    'usage: npm run <command> [-- flags]',
    '',
    'commands:',
    ...lines,
    '',
    `flags go after npm's "--", e.g. ${npmCommand('schema:drop', '--yes')}; ${npmCommand('<command>', '--help')} explains one`,
  ].join('\n');
}

/** One command's usage line, description and flags, as `npm run <command> -- --help` prints it. */
export function commandHelp(command: CliCommand): string {
  const options = [...(command.options ?? []), { flag: '--help, -h', means: 'print this help and exit' }];
  const width = Math.max(...options.map((o) => o.flag.length));
  return [
    `usage: ${npmCommand(command.name, command.usage)}`,
    '',
    command.description,
    '',
    'flags:',
    ...options.map((o) => `  ${o.flag.padEnd(width)}  ${o.means}`),
  ].join('\n');
}

/** `--help` or `-h` anywhere in the arguments. */
export function wantsHelp(args: string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

/**
 * The first argument that looks like a flag the command does not declare, so a typo
 * (`--dryrun`) is refused before the command touches the database instead of being ignored.
 * Negative numbers (`--users -5`) are values, left to the command to judge.
 */
export function unknownFlag(command: CliCommand, args: string[]): string | undefined {
  const known = new Set(
    (command.options ?? []).flatMap((o) => o.flag.split(/[\s,]+/).filter((f) => f.startsWith('-'))),
  );
  return args.map((arg) => arg.split('=')[0]).find((arg) => /^--?[a-z]/i.test(arg) && !known.has(arg));
}
