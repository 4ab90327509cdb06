import type { MikroORM } from '@mikro-orm/core';
import { ConfigError } from '../../config/config-error.js';

/**
 * Opens the connection once at start-up, so an unreachable database stops the process with one
 * line naming DATABASE_URL instead of a stack trace from the first query.
 */
export async function assertReachable(orm: MikroORM): Promise<void> {
  const status = await orm
    .connect()
    .then(() => orm.checkConnection())
    .catch((error: unknown) => ({ ok: false, reason: error instanceof Error ? error.message : String(error) }));
  if (!status.ok) {
    throw new ConfigError(`cannot connect to the database named by DATABASE_URL: ${status.reason}`);
  }
}
