import { appOrmOptions } from './src/app-orm.js';
import { loadConfig } from './src/config/env.schema.js';

/**
 * The one MikroORM configuration, shared by the app (through DatabaseModule) and by every CLI
 * command: both build it with `appOrmOptions` from the same environment (`DATABASE_URL`,
 * `DB_DEBUG`, `DB_POOL_*`).
 */
const config = loadConfig();

export default appOrmOptions({
  database: config.database,
  debug: config.dbDebug,
  pool: config.dbPool,
  preparedStatements: config.dbPreparedStatements,
});
