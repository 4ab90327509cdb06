/**
 * Owns: the one MikroORM of the app, the request context of every HTTP request, the start-up
 * schema and migration checks. Must not import: features, observability, http (they import it).
 */
import { type DynamicModule, Module } from '@nestjs/common';
import { EntityManager as CoreEntityManager, MikroORM } from '@mikro-orm/core';
import { MikroOrmMiddleware, MikroOrmModule } from '@mikro-orm/nestjs';
import { EntityManager } from '@mikro-orm/sql';
import { MIGRATION_MODE, MigrationGate, type MigrationMode } from './migrations/migration-gate.js';
import { createOrmOptions, type OrmSettings } from './orm/orm-options.js';
import { DATABASE_TARGET, DatabaseProbe } from './readiness/database-probe.js';
import { SchemaBootstrap } from './schema/schema-bootstrap.js';
import type { RequestStep } from '../common/request-steps.js';
import type { ReplicaSettings } from '../config/env.schema.js';
import { ReplicasModule } from './replicas/replicas.module.js';

export interface DatabaseModuleOptions extends OrmSettings {
  /** Create the schema when the database is empty (development default). */
  createSchemaIfEmpty?: boolean;
  /** Apply pending migrations on start, or refuse to start while any is pending (production). */
  migrations?: MigrationMode;
  /** DATABASE_READ_URLS and its limits; reads go to the replicas when `urls` names any. */
  replicaSettings?: ReplicaSettings;
}

/** The step that opens each HTTP request's RequestContext (AppModule mounts it first in the chain). */
export const REQUEST_CONTEXT_STEP = Symbol('REQUEST_CONTEXT_STEP');

/**
 * The only place the app configures MikroORM. Every HTTP request runs in a RequestContext: a
 * fork of the EntityManager with its own identity map, found through AsyncLocalStorage and
 * dropped when the request ends (the Flask page's `scoped_session` and its teardown). The
 * context is opened by @mikro-orm/nestjs's own middleware, given as REQUEST_CONTEXT_STEP to the
 * app's one request chain (common/request-steps.ts) rather than mounted by the module as a Nest
 * middleware of its own, so the figures, the body parsers and the handler run inside it. The
 * ORM is closed on application shutdown.
 */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    const replicas = options.replicaSettings?.urls.length ? [ReplicasModule.forRoot(options.replicaSettings)] : [];
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        MikroOrmModule.forRoot({
          ...createOrmOptions({ ...options, replicas: options.replicaSettings?.urls }),
          // Opened by REQUEST_CONTEXT_STEP, in the app's one request chain.
          registerRequestContext: false,
        }),
        ...replicas,
      ],
      providers: [
        // Driver-neutral SQL EntityManager for services (SQLite and PostgreSQL subclass it).
        { provide: EntityManager, useExisting: CoreEntityManager },
        ...(options.migrations ? [{ provide: MIGRATION_MODE, useValue: options.migrations }, MigrationGate] : []),
        ...(options.createSchemaIfEmpty ? [SchemaBootstrap] : []),
        // GET /health/ready's own connection (readiness/database-probe.ts).
        { provide: DATABASE_TARGET, useValue: options.database },
        DatabaseProbe,
        { provide: REQUEST_CONTEXT_STEP, useFactory: requestContextStep, inject: [MikroORM] },
      ],
      // ReplicaMonitor (with replicas) for /health/ready and /metrics.
      exports: [EntityManager, DatabaseProbe, REQUEST_CONTEXT_STEP, ...replicas],
    };
  }
}

function requestContextStep(orm: MikroORM): RequestStep {
  const middleware = new MikroOrmMiddleware(orm);
  return (req, res, next) => middleware.use(req, res, next);
}
