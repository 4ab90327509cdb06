import type { Configuration, ConnectionType } from '@mikro-orm/core';
import { type PostgreSqlConnection, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { BoundPostgreSqlConnection, type PostgreSqlBindingOptions } from '../postgresql/bound-postgresql-driver.js';

/** What the driver asks whenever MikroORM wants a connection (implemented by ReplicaMonitor). */
export interface ReadRouter {
  /** The replica (by index) this read should go to now, or undefined for the primary. */
  chooseReplica(): number | undefined;
  /** MikroORM asked for the primary (a write, a transaction, a raw statement). */
  primaryUsed(): void;
  /** A replica failed to answer a read that was then served by the primary. */
  replicaFailed(index: number, error: unknown): void;
}

/**
 * A statement a replica could not run because it is unreachable, shutting down or starting, or
 * because replay cancelled it (40001, a recovery conflict): the primary can answer it instead.
 */
const FALLBACK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '40001',
]);
const FALLBACK_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|server closed the connection|Client has encountered a connection error/i;

function isReplicaFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && FALLBACK_CODES.has(code)) || FALLBACK_MESSAGE.test(error.message);
}

/**
 * A read replica's connection: a read it cannot answer (outside a transaction) is run on the
 * primary instead of failing the request, and the router hears of it, so the next reads skip the
 * replica at once rather than at the next health check.
 */
export class ReplicaConnection extends BoundPostgreSqlConnection {
  private fallback?: { index: number; driver: ReplicaRoutingDriver };

  bindFallback(index: number, driver: ReplicaRoutingDriver): void {
    this.fallback = { index, driver };
  }

  override async execute<T>(...args: Parameters<PostgreSqlConnection['execute']>): Promise<T> {
    const [, , , ctx] = args;
    try {
      return await super.execute<never>(...args);
    } catch (error) {
      if (ctx || !this.fallback || !isReplicaFailure(error)) throw error;
      this.fallback.driver.replicaFailed(this.fallback.index, error);
      return this.fallback.driver.primaryConnection().execute<never>(...args);
    }
  }
}

/**
 * The primary's connection: every statement or transaction it runs tells the router, so the
 * rest of that request reads on the primary too (it must see what it just wrote). Asking for the
 * connection is not enough: code asks for it only to look at the driver (findByPrimaryKey).
 */
export class PrimaryConnection extends BoundPostgreSqlConnection {
  private router?: () => ReadRouter | undefined;

  bindRouter(router: () => ReadRouter | undefined): void {
    this.router = router;
  }

  override execute<T>(...args: Parameters<PostgreSqlConnection['execute']>): Promise<T> {
    this.router?.()?.primaryUsed();
    return super.execute<never>(...args);
  }

  override begin(...args: Parameters<PostgreSqlConnection['begin']>): ReturnType<PostgreSqlConnection['begin']> {
    this.router?.()?.primaryUsed();
    return super.begin(...args);
  }

  override transactional<T>(...args: Parameters<PostgreSqlConnection['transactional']>): Promise<T> {
    this.router?.()?.primaryUsed();
    return super.transactional(...args) as Promise<T>;
  }
}

/**
 * PostgreSQL with MikroORM's `replicas`, routed by the service's rules instead of MikroORM's
 * random pick: reads go where the router says (a replica that is up, not lagging and, for a
 * request with `X-Read-After`, replayed past the token), otherwise to the primary. Without a
 * router (the CLI, start-up work before the app listens) every statement goes to the primary.
 */
export class ReplicaRoutingDriver extends PostgreSqlDriver {
  private router?: ReadRouter;
  /** Bound parameters and prepared statements on every connection, as without replicas. */
  protected static binding: PostgreSqlBindingOptions = { preparedStatements: true };

  constructor(config: Configuration) {
    super(config);
    const { binding } = this.constructor as typeof ReplicaRoutingDriver;
    const primary = new PrimaryConnection(this.config);
    primary.binding = binding;
    primary.bindRouter(() => this.router);
    (this as unknown as { connection: PostgreSqlConnection }).connection = primary;
    // The base class built plain connections for `replicas`; these fall back to the primary.
    const replicas = this.createReplicas((options) => new ReplicaConnection(this.config, options, 'read'));
    replicas.forEach((replica, index) => {
      (replica as ReplicaConnection).binding = binding;
      (replica as ReplicaConnection).bindFallback(index, this);
    });
    this.replicas.splice(0, this.replicas.length, ...replicas);
  }

  setReadRouter(router: ReadRouter | undefined): void {
    this.router = router;
  }

  /** The read connections, in DATABASE_READ_URLS order. */
  replicaConnections(): readonly PostgreSqlConnection[] {
    return this.replicas;
  }

  primaryConnection(): PostgreSqlConnection {
    return this.connection;
  }

  override getConnection(type: ConnectionType = 'write'): PostgreSqlConnection {
    if (type === 'write' || !this.router) return this.connection;
    const index = this.router.chooseReplica();
    return index === undefined ? this.connection : this.replicas[index];
  }

  replicaFailed(index: number, error: unknown): void {
    this.router?.replicaFailed(index, error);
  }
}

/** A ReplicaRoutingDriver class whose connections bind parameters with these options. */
export function replicaRoutingDriver(binding: PostgreSqlBindingOptions): typeof ReplicaRoutingDriver {
  return class BoundReplicaRoutingDriver extends ReplicaRoutingDriver {
    protected static override binding = binding;
  };
}
