/**
 * Owns: everything that measures a request: request ids and the request log (pino through
 * nestjs-pino / pino-http), statement counting (statement-counting.logger.ts), the request's
 * figures (request-db-stats.ts, http-request-figures.ts), SQL redaction, the statement budget and
 * the Prometheus metrics. Must not import: features, http, the app.
 */
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { RequestStep } from '../common/request-steps.js';
import type { AppConfig } from '../config/env.schema.js';
import { AppMetrics } from './app-metrics.js';
import { createLogDestination, loggerParams } from './log-options.js';
import { MetricsController } from './metrics.controller.js';
import { requestFiguresMiddleware } from './request-figures.middleware.js';
import { StatementBudgetInterceptor } from './statement-budget.interceptor.js';

export interface ObservabilityOptions {
  /** Where the JSON log lines go instead of stdout (the specs collect them; forces LOG_FORMAT=json). */
  logDestination?: DestinationStream;
}

/** Routes that run many statements by design: the export reads 250 rows per statement, streamed. */
const BUDGET_EXEMPT = new Set(['/users/export']);

/** The step that binds a request to its figures (AppModule mounts it right after the request context). */
export const REQUEST_FIGURES_STEP = Symbol('REQUEST_FIGURES_STEP');

/**
 * What a request did, made visible: a request id and one log line per request carrying its
 * database figures (and with DB_DEBUG the X-DB-* headers), the statement budget, and with
 * METRICS=1 the Prometheus metrics at `/metrics` (without METRICS the route does not exist).
 * nestjs-pino's middleware (a global module's, so mounted before the app's request chain) assigns
 * the request id and writes the line; this module's request step (REQUEST_FIGURES_STEP) binds the
 * figures inside the request context, before HttpModule's body parsers, so even a 413 is logged
 * with its id and figures.
 */
@Module({})
export class ObservabilityModule {
  static forRoot(config: AppConfig, options: ObservabilityOptions = {}): DynamicModule {
    const settings = options.logDestination ? { ...config, logFormat: 'json' as const } : config;
    const destination = settings.logFormat === 'json' ? (options.logDestination ?? createLogDestination()) : undefined;
    return {
      module: ObservabilityModule,
      imports: [LoggerModule.forRoot(loggerParams({ config: settings, destination }))],
      controllers: config.metrics ? [MetricsController] : [],
      providers: [
        ...(config.nodeEnv === 'test' && config.dbStatementBudget > 0
          ? [{ provide: APP_INTERCEPTOR, useClass: StatementBudgetInterceptor }]
          : []),
        ...(config.metrics ? [AppMetrics] : []),
        {
          provide: REQUEST_FIGURES_STEP,
          useFactory: (metrics?: AppMetrics) => requestFiguresStep(config, metrics),
          inject: [{ token: AppMetrics, optional: true }],
        },
      ],
      exports: [REQUEST_FIGURES_STEP, ...(config.metrics ? [AppMetrics] : [])],
    };
  }
}

function requestFiguresStep(config: AppConfig, metrics: AppMetrics | undefined): RequestStep {
  return requestFiguresMiddleware({
    // The figures are for developers; production responses never show them.
    dbHeaders: config.dbDebug && config.nodeEnv !== 'production',
    statementBudget: config.dbStatementBudget,
    budgetExempt: BUDGET_EXEMPT,
    onFinished: metrics && ((entry) => metrics.observe(entry)),
  });
}
