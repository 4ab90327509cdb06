import { readSchemaState } from '../../database/schema/schema-state.js';
import { npmCommand, UsageError, type CliCommand } from '../cli-command.js';

/** Drops every table the app maps: all data is gone, hence the explicit `--yes`. */
export const schemaDropCommand: CliCommand = {
  name: 'schema:drop',
  description: 'drop the tables and all their data (needs --yes)',
  usage: '--yes',
  options: [{ flag: '--yes, -y', means: 'confirm that every table and all its data may go' }],
  async run(orm, args, out) {
    if (!args.includes('--yes') && !args.includes('-y')) {
      // Named as typed through npm: a bare `--yes` would be taken by npm itself, not passed on.
      throw new UsageError(
        `schema:drop deletes every table and all data; to confirm, run: ${npmCommand('schema:drop', '--yes')}`,
      );
    }
    const { present } = await readSchemaState(orm);
    if (present.length === 0) {
      out.log('no tables to drop: nothing changed');
      return 0;
    }
    // The migrations' bookkeeping goes too, so `migration:up` can rebuild from scratch.
    await orm.schema.drop({ dropMigrationsTable: true });
    out.log(`schema dropped: ${present.join(', ')}`);
    return 0;
  },
};
