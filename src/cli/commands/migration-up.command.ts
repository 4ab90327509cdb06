import { BASELINE_HINT, needsBaseline } from '../../database/migrations/migration-baseline.js';
import { applyPendingMigrations } from '../../database/migrations/migration-runner.js';
import type { CliCommand } from '../cli-command.js';
import { optionValue } from './migration-create.command.js';

/** Applies the pending migrations of DATABASE_URL's dialect, all in one transaction. */
export const migrationUpCommand: CliCommand = {
  name: 'migration:up',
  description: 'apply pending migrations (all, or up to --to <name>)',
  usage: '[--to <name>]',
  options: [{ flag: '--to <name>', means: 'stop after this migration' }],
  async run(orm, args, out) {
    const to = optionValue(args, '--to');
    const pending = await orm.migrator.getPending();
    if (pending.length === 0) {
      out.log('no pending migrations: the database is up to date');
      return 0;
    }
    if (await needsBaseline(orm)) {
      out.error(`migration:up: ${BASELINE_HINT}`);
      return 1;
    }
    out.log(`applying ${pending.length} pending migration(s)…`);
    const applied = await applyPendingMigrations(orm, { to, onApplied: (name) => out.log(`  applied ${name}`) });
    out.log(`done: ${applied.length} migration(s) applied`);
    return 0;
  },
};
