import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import type { AppConfig } from './config/env.schema.js';
import { HttpErrorFilter } from './common/http-error.filter.js';
import { createValidationPipe } from './common/validation.js';
import { DatabaseModule } from './database/database.module.js';
import { PostsModule } from './posts/posts.module.js';
import { UsersModule } from './users/users.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DatabaseModule.forRoot({
          database: config.database,
          debug: config.dbDebug,
          pool: config.dbPool,
          // Production runs on migrations; development and tests get the schema of the entities
          // on an empty database (SQLite or PostgreSQL), as before.
          migrations: config.dbMigrate ? 'apply' : config.nodeEnv === 'production' ? 'require' : undefined,
          createSchemaIfEmpty: !config.dbMigrate && config.nodeEnv !== 'production',
        }),
        UsersModule,
        PostsModule,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
    };
  }
}
