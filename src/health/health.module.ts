import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { ShutdownIndicator } from './shutdown.indicator.js';
import { ReadinessChecks } from './readiness-checks.js';

/**
 * `GET /health/live`, `/health/ready` and `/health` through @nestjs/terminus. Exports
 * ReadinessChecks, so another module can add its checks to readiness.
 */
@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [ShutdownIndicator, ReadinessChecks],
  exports: [ReadinessChecks],
})
export class HealthModule {}
