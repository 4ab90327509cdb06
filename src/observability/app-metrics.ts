import { Injectable, Optional } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { hasConnectionPool, readPoolStats, type PoolStats } from '../database/postgresql/pool-stats.js';
import { ReplicaMonitor } from '../database/replicas/replica-monitor.js';
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

  constructor(orm: MikroORM, @Optional() replicas?: ReplicaMonitor) {
    collectDefaultMetrics({ register: this.registry });
    // SQLite works on one connection: there is no pool to describe, so no pool series at all.
    if (hasConnectionPool(orm)) this.addPoolGauges(orm);
    if (replicas) this.replicaSeries = this.addReplicaSeries(replicas);
  }

  /** Kept so the series read as owned; prom-client's registry is what serves them. */
  private replicaSeries: (Counter | Gauge)[] = [];

  /** The read/write split and each replica's lag (DATABASE_READ_URLS), read from ReplicaMonitor at scrape time. */
  private addReplicaSeries(monitor: ReplicaMonitor): (Counter | Gauge)[] {
    const routing = new Counter({
      name: 'db_read_routing_total',
      help: 'Reads outside a transaction, by where they went (replica or primary) and why',
      labelNames: ['target', 'reason'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [reason, count] of monitor.readRoutes) {
          this.inc({ target: reason === 'replica' ? 'replica' : 'primary', reason }, count);
        }
      },
    });
    const primary = new Counter({
      name: 'db_primary_uses_total',
      help: 'Statements and transactions run on the primary (writes, reads in a transaction or after one, raw SQL)',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(monitor.primaryUses);
      },
    });
    const lag = new Gauge({
      name: 'db_replica_lag_seconds',
      help: 'How far each replica is behind the primary, in seconds (absent while it is down)',
      labelNames: ['replica'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { name, lagMs } of monitor.lags())
          if (lagMs !== undefined) this.set({ replica: name }, lagMs / 1000);
      },
    });
    const up = new Gauge({
      name: 'db_replica_up',
      help: 'Whether each replica answered its last check (1) or not (0)',
      labelNames: ['replica'],
      registers: [this.registry],
      collect() {
        for (const replica of monitor.lags()) this.set({ replica: replica.name }, replica.up ? 1 : 0);
      },
    });
    return [routing, primary, lag, up];
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
