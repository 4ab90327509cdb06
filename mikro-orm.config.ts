import { loadConfig } from './src/config/env.schema.js';
import { createOrmOptions } from './src/database/orm-config.js';

/**
 * The one MikroORM configuration, shared by the app (through DatabaseModule) and by every CLI
 * command: both build it with `createOrmOptions` from the same environment (`DATABASE_URL`,
 * `DB_DEBUG`, `DB_POOL_*`).
 */
const config = loadConfig();

export default createOrmOptions({ database: config.database, debug: config.dbDebug, pool: config.dbPool });
