import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';
import { ConfigError } from '../../config/config-error.js';
import { assertReachable } from '../orm/connection-check.js';
import { inOwnContext } from '../orm/own-context.js';
import { BASELINE_HINT, needsBaseline } from './migration-baseline.js';
import { applyPendingMigrations, pendingMigrations } from './migration-runner.js';

/** What a starting app does about migrations: apply them (DB_MIGRATE=1) or insist they are applied. */
export type MigrationMode = 'apply' | 'require';
export const MIGRATION_MODE = Symbol('MIGRATION_MODE');

/**
 * Runs before the app listens. Production serves only a database whose migrations are all
 * applied: with DB_MIGRATE=1 it applies the pending ones itself, otherwise it refuses to start
 * and says which command to run.
 */
@Injectable()
export class MigrationGate implements OnModuleInit {
  private readonly logger = new Logger('Migrations');

  constructor(
    private readonly orm: MikroORM,
    @Inject(MIGRATION_MODE) private readonly mode: MigrationMode,
  ) {}

  onModuleInit(): Promise<void> {
    // Start-up work runs outside any HTTP request: in a context of its own, like a request.
    return inOwnContext(this.orm, () => this.check());
  }

  private async check(): Promise<void> {
    await assertReachable(this.orm);
    // A schema made without migrations: applying them would fail on the first CREATE TABLE.
    if (await needsBaseline(this.orm)) throw new ConfigError(BASELINE_HINT);
    if (this.mode === 'apply') {
      const applied = await applyPendingMigrations(this.orm, {
        onApplied: (name) => this.logger.log(`applied ${name}`),
      });
      this.logger.log(applied.length ? `${applied.length} migration(s) applied` : 'database is up to date');
      return;
    }
    const pending = await pendingMigrations(this.orm);
    if (pending.length > 0) {
      throw new ConfigError(
        `the database is behind its migrations (${pending.length} pending: ${pending.join(', ')}); ` +
          'run `npm run migration:up` first, or start with DB_MIGRATE=1 to apply them on start',
      );
    }
  }
}
