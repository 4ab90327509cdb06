import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, type HealthCheckResult, HealthCheckService, MikroOrmHealthIndicator } from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator.js';
import { MikroORM } from '@mikro-orm/core';

/** How long the database may take to answer `select 1` before the service counts as down. */
const DB_PING_TIMEOUT_MS = 1500;

/** Liveness and readiness probe: open to everyone, says only whether the database answers. */
@Public()
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: MikroOrmHealthIndicator,
    private readonly orm: MikroORM,
  ) {}

  /**
   * What terminus pings: its indicator calls `isConnected()`, which MikroORM answers with a
   * `select 1` straight on the driver, past the ORM's logger. This one runs the same statement
   * through the ORM's connection, so the request's figures count what the check really ran.
   */
  private readonly connection = {
    isConnected: async (): Promise<boolean> => {
      await this.orm.em.getConnection().execute('select 1');
      return true;
    },
  };

  @Get()
  @HealthCheck()
  @ApiOperation({
    summary: 'Is the service up and its database answering?',
    description: 'Open to everyone. 200 when the database answers `select 1` in time, 503 when it does not.',
  })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.db.pingCheck('database', { timeout: DB_PING_TIMEOUT_MS, connection: this.connection }),
      ]);
    } catch (error) {
      // Terminus reports "down" as a 503 whose body is the check result; it is an answer for the
      // probe, not an error for the error filter to hide.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      res.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
