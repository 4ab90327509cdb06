import { PostgreSqlConnection } from '@mikro-orm/postgresql';
import type { PostgresDialect } from 'kysely';
import { classifyDbFailure } from '../errors.js';
import { guardRollback } from '../query/rollback-guard.js';

/**
 * MikroORM's PostgreSQL connection whose failed BEGIN or rollback on a connection the server
 * dropped releases it (the pool then discards it) instead of leaking a pool slot for good, and
 * whose COMMIT lost with its connection is reported as in doubt: see query/rollback-guard.ts.
 */
export class GuardedPostgreSqlConnection extends PostgreSqlConnection {
  override createKyselyDialect(overrides: Parameters<PostgreSqlConnection['createKyselyDialect']>[0]): PostgresDialect {
    return guardRollback(super.createKyselyDialect(overrides), {
      // Any database failure (dropped, timed out, shutting down): the client is discarded or its
      // transaction is gone with the session; a rollback that fails on a healthy session is still thrown.
      connectionBroke: (error) => classifyDbFailure(error) !== undefined,
      releaseOnFailedBegin: true,
      // A COMMIT whose connection broke or whose answer timed out may have been applied: the
      // server commits (and a synchronous standby confirms) before the answer that never came.
      // A COMMIT the server refused (a serialization failure, a deferred constraint) was not.
      commitInDoubt: (error) => {
        const failure = classifyDbFailure(error);
        return failure === 'unavailable' || failure === 'timeout';
      },
    });
  }
}
