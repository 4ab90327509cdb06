import { MikroORM } from '@mikro-orm/core';
import { MIGRATION_DIALECTS, withOfflineOrm } from '../../database/migrations/migration-dialects.js';
import { createOrmOptions, type OrmSettings } from '../../database/orm/orm-options.js';
import type { CliCommand, CliOutput } from '../cli-command.js';

/**
 * Fails (exit 1) when the entities and the migrations disagree, so CI catches an entity change
 * that nobody generated a migration for. For every dialect it diffs the entities against the
 * folder's snapshot; for SQLite it also replays every migration on an in-memory database and
 * diffs the result, which catches a hand-edited migration too. Needs no database.
 */
export const migrationCheckCommand: CliCommand = {
  name: 'migration:check',
  description: 'fail when entities and migrations disagree (SQLite and PostgreSQL)',
  async run(orm, _args, out) {
    const entities = orm.config.get('entities');
    let failures = 0;
    for (const dialect of MIGRATION_DIALECTS) {
      const behind = await withOfflineOrm(dialect, (offline) => offline.migrator.checkSchema(), { entities });
      if (behind) {
        failures++;
        out.error(`${dialect}: the entities changed since the last migration: run npm run migration:create`);
      } else {
        out.log(`${dialect}: migrations match the entities`);
      }
    }
    failures += await replaySqlite(entities, out);
    return failures === 0 ? 0 : 1;
  },
};

/** Applies every SQLite migration to an empty in-memory database and diffs it with the entities. */
async function replaySqlite(entities: OrmSettings['entities'], out: CliOutput): Promise<number> {
  const orm = await MikroORM.init(
    createOrmOptions({ database: { driver: 'sqlite', file: ':memory:', inMemory: true }, entities }),
  );
  try {
    await orm.migrator.up();
    const drift = (await orm.schema.getUpdateSchemaSQL({ wrap: false })).trim();
    if (drift === '') {
      out.log("sqlite: replaying the migrations builds the entities' schema");
      return 0;
    }
    out.error(`sqlite: replaying the migrations leaves this difference to the entities:\n${drift}`);
    return 1;
  } finally {
    await orm.close();
  }
}
