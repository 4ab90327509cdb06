import type { Options } from '@mikro-orm/core';
import { createOrmOptions, type OrmSettings } from './database/orm/orm-options.js';
import { IdempotencyKey } from './idempotency/idempotency-key.entity.js';
import { StatementCountingLogger } from './observability/statement-counting.logger.js';
import { PostSchema } from './posts/post.schema.js';
import { User } from './users/user.entity.js';

/** Every entity the service maps; the app, the CLI and the tests discover exactly these. */
export const ENTITIES = [User, PostSchema, IdempotencyKey];

export type AppOrmSettings = Omit<OrmSettings, 'entities' | 'loggerFactory'> & Partial<Pick<OrmSettings, 'entities'>>;

/**
 * The service's ORM settings: database/'s options for the target, with the service's entities and
 * the logger that counts every statement against the current request context (dbStatements, the
 * budget, /metrics, the specs' counters) and prints only with DB_DEBUG. Composed here, at the top,
 * so that database/ knows neither the features nor observability.
 */
export function appOrmSettings(settings: AppOrmSettings): OrmSettings {
  return {
    entities: ENTITIES,
    ...settings,
    loggerFactory: (options) => new StatementCountingLogger(options),
  };
}

/** MikroORM options of the service for a database target: what `mikro-orm.config.ts` exports. */
export function appOrmOptions(settings: AppOrmSettings): Partial<Options> {
  return createOrmOptions(appOrmSettings(settings));
}
