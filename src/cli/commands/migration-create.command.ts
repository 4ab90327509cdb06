import { ensureSnapshot, MIGRATION_DIALECTS, withOfflineOrm } from '../../database/migrations/migration-dialects.js';
import { UsageError, type CliCommand } from '../cli-command.js';

/**
 * Writes the migration that brings each dialect's last snapshot up to today's entities, one file
 * per dialect folder (src/database/migrations/sqlite/, …/postgresql/). Needs no database: the
 * snapshot stands for the schema the existing migrations build.
 */
export const migrationCreateCommand: CliCommand = {
  name: 'migration:create',
  description: 'generate the migration from the entities, for SQLite and PostgreSQL',
  usage: '[--name <name>] [--blank]',
  options: [
    { flag: '--name <name>', means: 'a name for the files (letters, digits, _ and -)' },
    { flag: '--blank', means: 'write empty migrations to fill in by hand' },
  ],
  async run(orm, args, out) {
    const entities = orm.config.get('entities');
    const name = optionValue(args, '--name');
    if (name !== undefined && !/^[\w-]+$/.test(name)) throw new UsageError('--name takes letters, digits, _ and -');
    const blank = args.includes('--blank');
    let created = 0;
    for (const dialect of MIGRATION_DIALECTS) {
      const fileName = await withOfflineOrm(
        dialect,
        async (offline) => {
          ensureSnapshot(offline, dialect);
          const result = await offline.migrator.create(undefined, blank, false, name);
          return result.fileName;
        },
        { entities },
      );
      if (fileName) created++;
      out.log(
        fileName ? `${dialect}: created src/database/migrations/${dialect}/${fileName}` : `${dialect}: no changes`,
      );
    }
    if (created === 0) out.log('entities and migrations agree: nothing to create');
    return 0;
  },
};

/** `--flag value` or `--flag=value`. */
export function optionValue(args: string[], flag: string): string | undefined {
  const inline = args.find((arg) => arg.startsWith(`${flag}=`));
  if (inline) return inline.slice(flag.length + 1);
  const index = args.indexOf(flag);
  if (index === -1) return undefined;
  const value = args[index + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  return value;
}
