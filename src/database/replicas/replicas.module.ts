/**
 * Owns: reads on PostgreSQL replicas (DATABASE_READ_URLS): the routing of each request's reads,
 * the replicas' health and lag, and read-your-writes through consistency tokens.
 * Must not import: features, observability, http.
 */
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { ReplicaSettings } from '../../config/env.schema.js';
import { ConsistencyTokenInterceptor } from './consistency-token.interceptor.js';
import { readRoutingMiddleware } from './read-routing.middleware.js';
import { REPLICA_SETTINGS, ReplicaMonitor } from './replica-monitor.js';

/** The step that decides where a request's reads go (AppModule mounts it last in the chain). */
export const READ_ROUTING_STEP = Symbol('READ_ROUTING_STEP');

/**
 * Registered by DatabaseModule only when DATABASE_READ_URLS names replicas: its request step
 * (READ_ROUTING_STEP) decides where a request's reads go, ReplicaMonitor (exported, for
 * /health/ready and /metrics) watches the replicas and routes, the interceptor gives each
 * write's response its consistency token.
 */
@Module({})
export class ReplicasModule {
  static forRoot(settings: ReplicaSettings): DynamicModule {
    return {
      module: ReplicasModule,
      providers: [
        { provide: REPLICA_SETTINGS, useValue: settings },
        ReplicaMonitor,
        { provide: APP_INTERCEPTOR, useClass: ConsistencyTokenInterceptor },
        { provide: READ_ROUTING_STEP, useFactory: readRoutingMiddleware, inject: [ReplicaMonitor] },
      ],
      exports: [ReplicaMonitor, READ_ROUTING_STEP],
    };
  }
}
