import { setTimeout as sleep } from 'node:timers/promises';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';
import type { PostgreSqlConnection } from '@mikro-orm/postgresql';
import type { ReplicaSettings } from '../../config/env.schema.js';
import { formatLsn, parseLsn } from './lsn.js';
import { currentReadRouting } from './read-routing.js';
import { type ReadRouter, ReplicaRoutingDriver } from './replica-driver.js';

export const REPLICA_SETTINGS = Symbol('REPLICA_SETTINGS');

/** Why a read went where it went (the `reason` label of `db_read_routing_total`). */
export type ReadRoute =
  | 'replica'
  | 'write_request' // POST/PUT/PATCH/DELETE: all on the primary
  | 'after_primary_use' // the request already flushed or opened a transaction
  | 'not_replayed' // X-Read-After: no replica had replayed far enough within the wait
  | 'no_replica_ready' // every replica down or lagging past DB_REPLICA_MAX_LAG_MS
  | 'outside_request';

export interface EndpointStatus {
  name: string;
  /** host:port, never credentials. */
  endpoint: string;
  up: boolean;
  /** What the endpoint is right now: a standby, or a primary (a read port falling back to the leader). */
  role?: 'replica' | 'primary';
  /** The replica's replay position (a primary's current position). */
  lsn?: string;
  /** How far behind the primary's WAL it is, in milliseconds (0: caught up). */
  lagMs?: number;
  /** Whether reads go there now: up, and not lagging past DB_REPLICA_MAX_LAG_MS. */
  readable: boolean;
  error?: string;
  checkedAt?: string;
}

export interface ReplicaStatus {
  primary: { up: boolean; lsn?: string; error?: string; checkedAt?: string };
  replicas: EndpointStatus[];
}

interface Sample {
  at: number;
  lsn: bigint;
}

interface ReplicaState {
  name: string;
  endpoint: string;
  connection: PostgreSqlConnection;
  up: boolean;
  role?: 'replica' | 'primary';
  lsn?: bigint;
  error?: string;
  checkedAt?: number;
}

/** Primary positions kept to turn a replica's byte lag into time: a minute is plenty. */
const HISTORY_MS = 60_000;

const REPLICA_QUERY =
  'select pg_is_in_recovery() as recovery, (case when pg_is_in_recovery() then pg_last_wal_replay_lsn() else pg_current_wal_lsn() end)::text as lsn';
const PRIMARY_QUERY = 'select pg_current_wal_lsn()::text as lsn';

/**
 * Watches the primary's WAL position and each replica's replay position, and routes reads by
 * them (it is the driver's ReadRouter). A replica's lag is time, not bytes: how long ago the
 * primary first stood past the replica's replay position (0 when it has replayed everything
 * seen), so an idle primary never makes a replica look behind. The checks run on the pools'
 * own clients, past MikroORM's logger: they belong to no request and would flood DB_DEBUG.
 */
@Injectable()
export class ReplicaMonitor implements ReadRouter, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('Replicas');
  private readonly driver?: ReplicaRoutingDriver;
  private readonly replicas: ReplicaState[] = [];
  private primary: { up: boolean; error?: string; checkedAt?: number } = { up: false };
  private history: Sample[] = [];
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private stopped = false;
  /** Reads per route, and statements or transactions on the primary, since start (for /metrics). */
  readonly readRoutes = new Map<ReadRoute, number>();
  primaryUses = 0;

  constructor(
    orm: MikroORM,
    @Inject(REPLICA_SETTINGS) private readonly settings: ReplicaSettings,
  ) {
    if (!(orm.driver instanceof ReplicaRoutingDriver)) return;
    this.driver = orm.driver;
    this.driver.replicaConnections().forEach((connection, index) => {
      this.replicas.push({
        name: `read-${index + 1}`,
        endpoint: endpointOf(settings.urls[index]),
        connection,
        up: false,
      });
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.driver) return;
    // One check before the first request, so reads start on the replicas that answered it.
    await this.refresh();
    this.driver.setReadRouter(this);
    this.timer = setInterval(() => void this.refresh(), this.settings.checkIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    this.stop();
  }

  onApplicationShutdown(): void {
    this.stop();
  }

  private stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.driver?.setReadRouter(undefined);
  }

  /** The primary and each replica as last checked: what /health/ready reports. */
  status(): ReplicaStatus {
    const newest = this.history.at(-1);
    return {
      primary: {
        up: this.primary.up,
        lsn: newest && formatLsn(newest.lsn),
        error: this.primary.error,
        checkedAt: at(this.primary.checkedAt),
      },
      replicas: this.replicas.map((replica) => ({
        name: replica.name,
        endpoint: replica.endpoint,
        up: replica.up,
        role: replica.role,
        lsn: replica.lsn === undefined ? undefined : formatLsn(replica.lsn),
        lagMs: this.lagMs(replica),
        readable: this.readable(replica),
        error: replica.error,
        checkedAt: at(replica.checkedAt),
      })),
    };
  }

  /** Lag in milliseconds of each replica, by name (for the /metrics gauge); undefined when unknown. */
  lags(): { name: string; lagMs: number | undefined; up: boolean }[] {
    return this.replicas.map((replica) => ({ name: replica.name, lagMs: this.lagMs(replica), up: replica.up }));
  }

  // --- ReadRouter -------------------------------------------------------------------------------

  chooseReplica(): number | undefined {
    const routing = currentReadRouting();
    if (!routing) return this.route('outside_request');
    if (routing.primaryOnly) return this.route(routing.wroteAlready ? 'after_primary_use' : 'write_request');
    const ready = this.replicas.filter((replica) => this.readable(replica));
    if (ready.length === 0) return this.route('no_replica_ready');
    const { readAfter } = routing;
    const replayed = readAfter === undefined ? ready : ready.filter((replica) => replica.lsn! >= readAfter);
    if (replayed.length === 0) return this.route('not_replayed');
    this.count('replica');
    return this.replicas.indexOf(replayed[Math.floor(Math.random() * replayed.length)]);
  }

  primaryUsed(): void {
    this.primaryUses++;
    const routing = currentReadRouting();
    if (routing && !routing.primaryOnly) {
      routing.primaryOnly = true;
      routing.wroteAlready = true;
    }
  }

  replicaFailed(index: number, error: unknown): void {
    const replica = this.replicas[index];
    if (replica.up)
      this.logger.warn(
        `${replica.name} (${replica.endpoint}) failed a read, served by the primary: ${messageOf(error)}`,
      );
    replica.up = false;
    replica.error = messageOf(error);
    this.count('no_replica_ready');
  }

  /**
   * For a request with `X-Read-After`: waits (at most DB_READ_AFTER_WAIT_MS) until a readable
   * replica has replayed past `lsn`, checking afresh meanwhile; returns whether one has. When
   * none has, the request reads on the primary, which has the write by definition.
   */
  async waitForReplay(lsn: bigint): Promise<boolean> {
    const deadline = Date.now() + this.settings.readAfterWaitMs;
    for (;;) {
      if (this.replicas.some((replica) => this.readable(replica) && replica.lsn! >= lsn)) return true;
      if (Date.now() >= deadline || !this.replicas.some((replica) => this.readable(replica))) return false;
      await Promise.race([this.refresh(), sleep(Math.max(0, deadline - Date.now()))]);
      if (Date.now() < deadline) await sleep(Math.min(10, Math.max(0, deadline - Date.now())));
    }
  }

  // --- checks -----------------------------------------------------------------------------------

  /** One check of the primary and every replica; concurrent callers share the one in flight. */
  refresh(): Promise<void> {
    this.inFlight ??= Promise.all([this.checkPrimary(), ...this.replicas.map((r) => this.checkReplica(r))])
      .then(() => undefined)
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async checkPrimary(): Promise<void> {
    try {
      const row = await this.query(this.driver!.primaryConnection(), PRIMARY_QUERY);
      const lsn = parseLsn(String(row.lsn));
      const now = Date.now();
      if (lsn !== undefined) this.remember({ at: now, lsn });
      this.primary = { up: true, checkedAt: now };
    } catch (error) {
      this.primary = { up: false, error: messageOf(error), checkedAt: Date.now() };
    }
  }

  private async checkReplica(replica: ReplicaState): Promise<void> {
    try {
      const row = await this.query(replica.connection, REPLICA_QUERY);
      if (!replica.up && replica.checkedAt !== undefined)
        this.logger.log(`${replica.name} (${replica.endpoint}) answers again`);
      replica.up = true;
      replica.role = row.recovery === true ? 'replica' : 'primary';
      replica.lsn = parseLsn(String(row.lsn));
      replica.error = undefined;
    } catch (error) {
      if (replica.up)
        this.logger.warn(`${replica.name} (${replica.endpoint}) is down, reads go to the primary: ${messageOf(error)}`);
      replica.up = false;
      replica.error = messageOf(error);
    }
    replica.checkedAt = Date.now();
  }

  /** One row from the connection's pool, bounded in time: a hung endpoint counts as down. */
  private async query(connection: PostgreSqlConnection, sql: string): Promise<Record<string, unknown>> {
    if (this.stopped) throw new Error('stopped');
    const timeoutMs = Math.max(1000, this.settings.checkIntervalMs * 2);
    const pool = (await connection.getNativeClient()) as {
      query(sql: string): Promise<{ rows: Record<string, unknown>[] }>;
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const result = await Promise.race([pool.query(sql), timeout]);
      return result.rows[0] ?? {};
    } finally {
      clearTimeout(timer);
    }
  }

  private remember(sample: Sample): void {
    const last = this.history.at(-1);
    // Only changes matter: the earliest time the primary stood at each position.
    if (!last || sample.lsn > last.lsn) this.history.push(sample);
    const oldest = sample.at - HISTORY_MS;
    while (this.history.length > 1 && this.history[1].at < oldest) this.history.shift();
  }

  private lagMs(replica: ReplicaState): number | undefined {
    if (!replica.up || replica.lsn === undefined) return undefined;
    if (replica.role === 'primary') return 0;
    const firstAhead = this.history.find((sample) => sample.lsn > replica.lsn!);
    return firstAhead ? Math.max(0, Date.now() - firstAhead.at) : 0;
  }

  private readable(replica: ReplicaState): boolean {
    const lag = this.lagMs(replica);
    return replica.up && lag !== undefined && lag <= this.settings.maxLagMs;
  }

  private route(reason: ReadRoute): undefined {
    this.count(reason);
    return undefined;
  }

  private count(reason: ReadRoute): void {
    this.readRoutes.set(reason, (this.readRoutes.get(reason) ?? 0) + 1);
  }
}

function at(time?: number): string | undefined {
  return time === undefined ? undefined : new Date(time).toISOString();
}

function endpointOf(url: string | undefined): string {
  try {
    const parsed = new URL(url ?? '');
    return `${parsed.hostname}:${parsed.port || '5432'}`;
  } catch {
    return 'unknown';
  }
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
