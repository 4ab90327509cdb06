import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';
import { assertReachable } from '../orm/connection-check.js';
import { inOwnContext } from '../orm/own-context.js';
import { readSchemaState } from './schema-state.js';

/**
 * The development default of the Flask page's `init_db()`: on first start, an empty database
 * gets its schema, so `npm ci && npm start` needs no manual step. A database that already has
 * tables is never dropped or altered here; changing a schema is the CLI's job.
 */
@Injectable()
export class SchemaBootstrap implements OnModuleInit {
  private readonly logger = new Logger('Database');

  constructor(private readonly orm: MikroORM) {}

  onModuleInit(): Promise<void> {
    // Start-up work runs outside any HTTP request: in a context of its own, like a request.
    return inOwnContext(this.orm, () => this.bootstrap());
  }

  private async bootstrap(): Promise<void> {
    await assertReachable(this.orm);
    const { present, missing } = await readSchemaState(this.orm);
    if (missing.length === 0) return;
    if (present.length > 0) {
      this.logger.warn(`tables missing: ${missing.join(', ')}; the schema is not touched (run npm run schema:update)`);
      return;
    }
    await this.orm.schema.create();
    this.logger.log(`empty database: created tables ${missing.join(', ')}`);
  }
}
