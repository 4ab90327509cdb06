import { npmCommand, type CliCommand } from '../cli-command.js';

/**
 * Brings the schema in line with the entities without dropping anything (safe mode):
 * missing tables and columns are added, nothing is removed. Development tool; production
 * uses migrations.
 */
export const schemaUpdateCommand: CliCommand = {
  name: 'schema:update',
  description: 'add missing tables and columns (never drops anything)',
  usage: '[--dry-run]',
  options: [{ flag: '--dry-run', means: 'print the SQL it would run and apply nothing' }],
  async run(orm, args, out) {
    const sql = await orm.schema.getUpdateSchemaSQL({ safe: true, wrap: false });
    if (sql.trim() === '') {
      out.log('schema is up to date: nothing changed');
      return 0;
    }
    if (args.includes('--dry-run')) {
      // An SQL comment, so the output can still be piped into psql or sqlite3 as it is.
      out.log(`${sql.trim()}\n-- dry run: nothing was applied (${npmCommand('schema:update')} applies it)`);
      return 0;
    }
    await orm.schema.update({ safe: true });
    out.log(`schema updated:\n${sql.trim()}`);
    return 0;
  },
};
