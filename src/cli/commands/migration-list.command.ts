import type { CliCommand } from '../cli-command.js';

/** Which migrations DATABASE_URL's database has applied (and when), and which are pending. */
export const migrationListCommand: CliCommand = {
  name: 'migration:list',
  description: 'list applied and pending migrations of the database',
  async run(orm, _args, out) {
    const executed = await orm.migrator.getExecuted();
    const pending = await orm.migrator.getPending();
    for (const row of executed) {
      out.log(`applied  ${row.name}  ${new Date(row.executed_at).toISOString()}`);
    }
    for (const row of pending) out.log(`pending  ${row.name}`);
    out.log(`${executed.length} applied, ${pending.length} pending`);
    return 0;
  },
};
