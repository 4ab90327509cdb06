/**
 * Owns: everything that measures a request: statement counting (statement-counting.logger.ts),
 * the request's figures (request-db-stats.ts), SQL redaction, request ids, the request log, the
 * statement budget and the Prometheus metrics. Must not import: features, http, the app.
 */
import {
  type DynamicModule,
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  Optional,
  RequestMethod,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { APP_CONFIG } from '../config/app-config.module.js';
import type { AppConfig } from '../config/env.schema.js';
import { AppMetrics } from './app-metrics.js';
import { MetricsController } from './metrics.controller.js';
import { requestIdMiddleware } from './request-id.middleware.js';
import { requestLogMiddleware } from './request-log.middleware.js';
import { StatementBudgetInterceptor } from './statement-budget.interceptor.js';

/**
 * What a request did, made visible: a request id and one log line per request carrying its
 * database figures (and with DB_DEBUG the X-DB-* headers), the statement budget, and with
 * METRICS=1 the Prometheus metrics at `/metrics` (without METRICS the route does not exist).
 * Its middleware runs inside the request context DatabaseModule opens (global modules' middleware
 * is mounted first) and before HttpModule's body parsers, so even a 413 is logged with its id.
 */
@Module({})
export class ObservabilityModule implements NestModule {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly metrics?: AppMetrics,
  ) {}

  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: config.metrics ? [MetricsController] : [],
      providers: [
        ...(config.nodeEnv === 'test' && config.dbStatementBudget > 0
          ? [{ provide: APP_INTERCEPTOR, useClass: StatementBudgetInterceptor }]
          : []),
        ...(config.metrics ? [AppMetrics] : []),
      ],
      exports: config.metrics ? [AppMetrics] : [],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    const { config, metrics } = this;
    consumer
      .apply(
        requestIdMiddleware,
        requestLogMiddleware({
          format: config.logFormat,
          // The figures are for developers; production responses never show them.
          dbHeaders: config.dbDebug && config.nodeEnv !== 'production',
          statementBudget: config.dbStatementBudget,
          onFinished: metrics && ((entry) => metrics.observe(entry)),
        }),
      )
      .forRoutes({ path: '{*all}', method: RequestMethod.ALL });
  }
}
