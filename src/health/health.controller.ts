import { Controller, Get, Inject, Optional, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  type HealthCheckResult,
  HealthCheckService,
  type HealthIndicatorFunction,
  HealthIndicatorService,
} from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator.js';
import { APP_CONFIG } from '../config/app-config.module.js';
import type { AppConfig } from '../config/env.schema.js';
import { DatabaseProbe } from '../database/readiness/database-probe.js';
import { ReplicaMonitor } from '../database/replicas/replica-monitor.js';
import { ReadinessChecks } from './readiness-checks.js';
import { ShutdownIndicator } from './shutdown.indicator.js';

/** Seconds an orchestrator or load balancer should wait before probing a 503 again. */
const READY_RETRY_AFTER_S = '1';

/**
 * Probes for orchestrators, open to everyone:
 * - `/health/live`: the process answers HTTP; no database. Restart the instance when it fails.
 * - `/health/ready`: the database answers, on a connection of its own that never queues behind
 *   request traffic (database/readiness/database-probe.ts), within HEALTH_READY_TIMEOUT_MS; plus
 *   every check other modules added (ReadinessChecks); 503 from SIGTERM on (ShutdownIndicator).
 *   Send no traffic while it fails.
 * - `/health`: the same as ready (the probe documented before the split).
 */
@Public()
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly probe: DatabaseProbe,
    private readonly readiness: ReadinessChecks,
    private readonly shutdown: ShutdownIndicator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly replicas?: ReplicaMonitor,
  ) {}

  /**
   * With DATABASE_READ_URLS: the primary and each replica as last checked. A replica down or
   * lagging does not make the service unready (its reads go to the primary), so this is always
   * "up" and says which endpoints serve reads.
   */
  private readonly replicaCheck: HealthIndicatorFunction = async () => {
    const status = this.replicas!.status();
    return { replicas: { status: 'up' as const, ...status } };
  };

  @Get()
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness (same as /health/ready): is the service up and its database answering?',
    description:
      'Open to everyone. 200 when the database answers `select 1` in time, 503 (Retry-After) when it does not.',
  })
  @ApiServiceUnavailableResponse({ description: 'The database (or another readiness check) is down; Retry-After' })
  check(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    return this.ready(res);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: the database answers on a dedicated connection, and every added check is up',
    description:
      'A 503 with Retry-After means: send this instance no traffic for now. Load alone cannot fail it: the ' +
      'probe has its own database connection and HEALTH_READY_TIMEOUT_MS.',
  })
  @ApiServiceUnavailableResponse({ description: 'The database (or another readiness check) is down; Retry-After' })
  ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    const timeout = this.config.readyTimeoutMs;
    const database: HealthIndicatorFunction = () =>
      this.indicator
        .check('database')
        .attempt(() => this.probe.ping(timeout))
        .withTimeout(timeout);
    // Shutting down comes first: from SIGTERM on, balancers must stop sending traffic here.
    const replicas = this.replicas ? [this.replicaCheck] : [];
    return this.run(res, [() => this.shutdown.check(), database, ...replicas, ...this.readiness.all()]);
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({
    summary: 'Liveness: the process answers HTTP (no database check)',
    description: 'Restart the instance only when this fails; a database outage shows in /health/ready instead.',
  })
  @ApiOkResponse({ description: 'The process is alive' })
  live(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    return this.run(res, []);
  }

  private async run(res: Response, checks: HealthIndicatorFunction[]): Promise<HealthCheckResult> {
    try {
      return await this.health.check(checks);
    } catch (error) {
      // Terminus reports "down" as a 503 whose body is the check result; it is an answer for the
      // probe, not an error for the error filter to hide.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      res.status(503).setHeader('Retry-After', READY_RETRY_AFTER_S);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
