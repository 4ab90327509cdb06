import { stripVTControlCharacters } from 'node:util';
import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { BearerTokenGuard } from './auth/bearer-token.guard.js';
import { AppConfigModule } from './config/app-config.module.js';
import type { AppConfig } from './config/env.schema.js';
import { GracefulShutdown } from './common/graceful-shutdown.service.js';
import { HttpErrorFilter } from './common/http-error.filter.js';
import { createValidationPipe } from './common/validation.js';
import { DatabaseModule } from './database/database.module.js';
import { PostsModule } from './posts/posts.module.js';
import { HealthModule } from './health/health.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { UsersModule } from './users/users.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    const ormLogger = new Logger('MikroORM');
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule.forRoot({
          database: config.database,
          debug: config.dbDebug,
          pool: config.dbPool,
          // Production runs on migrations; development and tests get the schema of the entities
          // on an empty database (SQLite or PostgreSQL), as before.
          migrations: config.dbMigrate ? 'apply' : config.nodeEnv === 'production' ? 'require' : undefined,
          createSchemaIfEmpty: !config.dbMigrate && config.nodeEnv !== 'production',
          // DB_DEBUG's SQL lines go through Nest's logger, so LOG_LEVEL and LOG_FORMAT apply to
          // them too; MikroORM's colour codes would be noise there.
          logger: (message) => ormLogger.log(stripVTControlCharacters(message)),
        }),
        HealthModule,
        ObservabilityModule.forRoot(config),
        UsersModule,
        PostsModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: BearerTokenGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        GracefulShutdown,
      ],
    };
  }
}
