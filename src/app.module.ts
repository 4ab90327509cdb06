import { stripVTControlCharacters } from 'node:util';
import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { appOrmSettings } from './app-orm.js';
import { BearerTokenGuard } from './auth/bearer-token.guard.js';
import { createValidationPipe } from './common/validation.js';
import { AppConfigModule } from './config/app-config.module.js';
import type { AppConfig } from './config/env.schema.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { HttpErrorFilter } from './http/http-error.filter.js';
import { HttpModule } from './http/http.module.js';
import { RateLimitModule } from './http/rate-limit/rate-limit.module.js';
import { ObservabilityModule, type ObservabilityOptions } from './observability/observability.module.js';
import { PostsModule } from './posts/posts.module.js';
import { UsersModule } from './users/users.module.js';

/**
 * The composition root: the configuration, the database, the cross-cutting rooms and the
 * features, plus the global guard, pipe and filter. Per-request middleware is registered by each
 * room's module, in this order: the request context (DatabaseModule, global, so first), request
 * ids and the request log (ObservabilityModule), then CORS and body parsing (HttpModule).
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, observability: ObservabilityOptions = {}): DynamicModule {
    const ormLogger = new Logger('MikroORM');
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule.forRoot({
          ...appOrmSettings({
            database: config.database,
            debug: config.dbDebug,
            pool: config.dbPool,
            preparedStatements: config.dbPreparedStatements,
            statementTimeoutMs: config.dbStatementTimeoutMs,
            // DB_DEBUG's SQL lines go through Nest's logger, so LOG_LEVEL and LOG_FORMAT apply to
            // them too; MikroORM's colour codes would be noise there.
            logger: (message) => ormLogger.log(stripVTControlCharacters(message)),
          }),
          // Production runs on migrations; development and tests get the schema of the entities
          // on an empty database (SQLite or PostgreSQL), as before.
          migrations: config.dbMigrate ? 'apply' : config.nodeEnv === 'production' ? 'require' : undefined,
          createSchemaIfEmpty: !config.dbMigrate && config.nodeEnv !== 'production',
          replicaSettings: config.dbReplicas,
        }),
        // Order matters for middleware at the same depth: observability before http.
        ObservabilityModule.forRoot(config, observability),
        HttpModule,
        RateLimitModule.forRoot(config),
        HealthModule,
        UsersModule,
        PostsModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: BearerTokenGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
    };
  }
}
