import type { CliCommand } from '../cli-command.js';
import { optionValue } from './migration-create.command.js';

/** Reverts the last applied migration, or every one after `--to <name>` (`--to 0`: all). */
export const migrationDownCommand: CliCommand = {
  name: 'migration:down',
  description: 'revert the last migration (or down to --to <name>, --to 0 for all)',
  usage: '[--to <name> | --to 0]',
  async run(orm, args, out) {
    const to = optionValue(args, '--to');
    const executed = await orm.migrator.getExecuted();
    if (executed.length === 0) {
      out.log('no applied migrations: nothing to revert');
      return 0;
    }
    orm.migrator.on('reverted', ({ name }) => out.log(`  reverted ${name}`));
    const reverted = await orm.migrator.down(to === undefined ? undefined : { to: to === '0' ? 0 : to });
    out.log(`done: ${reverted.length} migration(s) reverted`);
    return 0;
  },
};
