import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { hasConnectionPool, readPoolStats, type PoolStats } from '../database/postgresql/pool-stats.js';
import type { RequestLogEntry } from './http-request-figures.js';

/** Seconds; from a cached lookup (~1 ms) to a slow export. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Statements per request: 1–3 for most routes; anything past the budget (25) is the N+1 to find. */
const STATEMENT_BUCKETS = [0, 1, 2, 3, 4, 5, 7, 10, 15, 25, 50, 100];
/** Entities per request: a page holds at most 100 rows (perPage), plus the authors it embeds. */
const ENTITY_BUCKETS = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500];

/**
 * The service's Prometheus metrics (METRICS=1), in a registry of its own rather than
 * prom-client's global one, so several apps in one process (the specs) do not share series.
 * Request series are labelled with the route template, so their number is bounded by the routes.
 */
@Injectable()
export class AppMetrics {
  readonly registry = new Registry();

  private readonly duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  private readonly statements = new Histogram({
    name: 'db_statements_per_request',
    help: 'SQL statements one HTTP request ran, by method and route template',
    labelNames: ['method', 'route'],
    buckets: STATEMENT_BUCKETS,
    registers: [this.registry],
  });

  private readonly entities = new Histogram({
    name: 'db_entities_per_request',
    help: "Entities in the request's identity map when it ended, by method and route template",
    labelNames: ['method', 'route'],
    buckets: ENTITY_BUCKETS,
    registers: [this.registry],
  });

  constructor(orm: MikroORM) {
    collectDefaultMetrics({ register: this.registry });
    // SQLite works on one connection: there is no pool to describe, so no pool series at all.
    if (hasConnectionPool(orm)) this.addPoolGauges(orm);
  }

  /** Read at scrape time from the `pg.Pool` itself, never by a query. */
  private addPoolGauges(orm: MikroORM): void {
    const pool = (name: string, help: string, read: (stats: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          const stats = await readPoolStats(orm);
          if (stats) this.set(read(stats));
        },
      });
    pool('db_pool_connections', 'PostgreSQL connections open in the pool (idle or in use)', (s) => s.total);
    pool('db_pool_idle_connections', 'PostgreSQL connections open and idle in the pool', (s) => s.idle);
    pool('db_pool_waiting_requests', 'Callers waiting for a pooled PostgreSQL connection', (s) => s.waiting);
    pool('db_pool_max_connections', 'Most connections the PostgreSQL pool may open (DB_POOL_MAX)', (s) => s.max);
  }

  /** Records one finished request. */
  observe(entry: RequestLogEntry): void {
    this.duration.observe({ method: entry.method, route: entry.route, status: entry.status }, entry.durationMs / 1000);
    this.statements.observe({ method: entry.method, route: entry.route }, entry.dbStatements);
    this.entities.observe({ method: entry.method, route: entry.route }, entry.dbEntities);
  }
}
