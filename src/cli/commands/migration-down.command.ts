import { npmCommand, UsageError, type CliCommand } from '../cli-command.js';
import { optionValue } from './migration-create.command.js';

/**
 * Reverts the last applied migration, or every one after `--to <name>` (`--to 0`: all). A
 * migration's `down()` drops what it created, data included: hence `--yes`, like schema:drop.
 */
export const migrationDownCommand: CliCommand = {
  name: 'migration:down',
  description: 'revert the last migration (or down to --to <name>, --to 0 for all; needs --yes)',
  usage: '--yes [--to <name> | --to 0]',
  options: [
    { flag: '--yes, -y', means: 'confirm: what the reverted migrations created is dropped, data included' },
    { flag: '--to <name>', means: 'revert every migration applied after this one (0: all of them)' },
  ],
  async run(orm, args, out) {
    const to = optionValue(args, '--to');
    const executed = await orm.migrator.getExecuted();
    if (executed.length === 0) {
      out.log('no applied migrations: nothing to revert');
      return 0;
    }
    if (!args.includes('--yes') && !args.includes('-y')) {
      const what =
        to === undefined ? executed.at(-1)!.name : to === '0' ? 'every migration' : `the migrations after ${to}`;
      const flags = ['--yes', ...(to === undefined ? [] : ['--to', to])].join(' ');
      throw new UsageError(
        `migration:down reverts ${what}, dropping what it created with its data; to confirm, run: ${npmCommand('migration:down', flags)}`,
      );
    }
    orm.migrator.on('reverted', ({ name }) => out.log(`  reverted ${name}`));
    const reverted = await orm.migrator.down(to === undefined ? undefined : { to: to === '0' ? 0 : to });
    out.log(`done: ${reverted.length} migration(s) reverted`);
    return 0;
  },
};
