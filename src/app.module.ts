import { stripVTControlCharacters } from 'node:util';
import {
  type DynamicModule,
  Inject,
  Logger,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  Optional,
  RequestMethod,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { appOrmSettings } from './app-orm.js';
import { BearerTokenGuard } from './auth/bearer-token.guard.js';
import { createValidationPipe } from './common/validation.js';
import { AppConfigModule } from './config/app-config.module.js';
import type { AppConfig } from './config/env.schema.js';
import { chainRequestSteps, type RequestStep } from './common/request-steps.js';
import { DatabaseModule, REQUEST_CONTEXT_STEP } from './database/database.module.js';
import { READ_ROUTING_STEP } from './database/replicas/replicas.module.js';
import { HealthModule } from './health/health.module.js';
import { HttpErrorFilter } from './http/http-error.filter.js';
import { HTTP_EDGE_STEPS, HttpModule } from './http/http.module.js';
import { RateLimitModule } from './http/rate-limit/rate-limit.module.js';
import {
  ObservabilityModule,
  type ObservabilityOptions,
  REQUEST_FIGURES_STEP,
} from './observability/observability.module.js';
import { PostsModule } from './posts/posts.module.js';
import { UsersModule } from './users/users.module.js';

/**
 * The composition root: the configuration, the database, the cross-cutting rooms and the
 * features, plus the global guard, pipe and filter, and the one request chain.
 *
 * Per request, first nestjs-pino's middleware (its module is global, so Nest mounts it first):
 * the request id and the request log line. Then one chain of the rooms' steps, each built by
 * its own module, mounted here as a single middleware (common/request-steps.ts says why):
 * the request context (DatabaseModule), the request's figures (ObservabilityModule), the
 * deadline, CORS and body parsing (HttpModule), and with replicas the read routing.
 */
@Module({})
export class AppModule implements NestModule {
  private readonly steps: RequestStep[];

  constructor(
    @Inject(REQUEST_CONTEXT_STEP) requestContext: RequestStep,
    @Inject(REQUEST_FIGURES_STEP) requestFigures: RequestStep,
    @Inject(HTTP_EDGE_STEPS) httpEdge: RequestStep[],
    @Optional() @Inject(READ_ROUTING_STEP) readRouting?: RequestStep,
  ) {
    this.steps = [requestContext, requestFigures, ...httpEdge, ...(readRouting ? [readRouting] : [])];
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(chainRequestSteps(this.steps)).forRoutes({ path: '{*all}', method: RequestMethod.ALL });
  }

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
