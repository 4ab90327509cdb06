import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { ShutdownIndicator } from './shutdown.indicator.js';

/** `GET /health` through @nestjs/terminus and its MikroORM indicator. */
@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [ShutdownIndicator],
})
export class HealthModule {}
