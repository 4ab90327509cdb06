import { readSchemaState } from '../../database/schema/schema-state.js';
import type { CliCommand } from '../cli-command.js';

/** The Flask page's `init_db()`: creates the schema on an empty database, and only there. */
export const schemaCreateCommand: CliCommand = {
  name: 'schema:create',
  description: 'create the tables on an empty database (does nothing if they exist)',
  async run(orm, _args, out) {
    const { present, missing } = await readSchemaState(orm);
    if (missing.length === 0) {
      out.log(`schema already exists (${present.join(', ')}): nothing changed`);
      return 0;
    }
    if (present.length > 0) {
      out.error(
        `some tables exist (${present.join(', ')}), some do not (${missing.join(', ')}): run schema:update instead`,
      );
      return 1;
    }
    await orm.schema.create();
    out.log(`schema created: ${missing.join(', ')}`);
    return 0;
  },
};
