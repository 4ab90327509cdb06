import { BaselineRefused, baselineMigrations } from '../../database/migrations/migration-baseline.js';
import type { CliCommand } from '../cli-command.js';

/** Puts a database made by schema:create (or a first start) on migrations: see migration-baseline.ts. */
export const migrationBaselineCommand: CliCommand = {
  name: 'migration:baseline',
  description: 'record the migrations as applied on a database made by schema:create or a first start',
  async run(orm, _args, out) {
    try {
      const result = await baselineMigrations(orm);
      if ('alreadyApplied' in result) {
        out.log(`already on migrations (${result.alreadyApplied} applied, none pending): nothing changed`);
        return 0;
      }
      for (const name of result.recorded) out.log(`  recorded ${name}`);
      out.log(`done: the live schema matches the migrations; ${result.recorded.length} recorded as applied`);
      return 0;
    } catch (error) {
      if (!(error instanceof BaselineRefused)) throw error;
      out.error(`migration:baseline refused: ${error.message}`);
      return 1;
    }
  },
};
