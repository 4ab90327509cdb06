import { type DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { AppConfig } from '../config/env.schema.js';
import { AppMetrics } from './app-metrics.js';
import { MetricsController } from './metrics.controller.js';
import { RequestDbStatsInterceptor } from './request-db-stats.interceptor.js';

/**
 * What a request did to the database, made visible: its figures tied to the HTTP request (for
 * the request log, the DB_DEBUG headers and the budget), and with METRICS=1 the Prometheus
 * metrics at `/metrics`. Without METRICS the route does not exist (404).
 */
@Module({})
export class ObservabilityModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: config.metrics ? [MetricsController] : [],
      providers: [
        ...(config.nodeEnv === 'test' && config.dbStatementBudget > 0
          ? [{ provide: APP_INTERCEPTOR, useClass: RequestDbStatsInterceptor }]
          : []),
        ...(config.metrics ? [AppMetrics] : []),
      ],
      exports: config.metrics ? [AppMetrics] : [],
    };
  }
}
