/**
 * Owns: reads on PostgreSQL replicas (DATABASE_READ_URLS): the routing of each request's reads,
 * the replicas' health and lag, and read-your-writes through consistency tokens.
 * Must not import: features, observability, http.
 */
import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { ReplicaSettings } from '../../config/env.schema.js';
import { ConsistencyTokenInterceptor } from './consistency-token.interceptor.js';
import { readRoutingMiddleware } from './read-routing.middleware.js';
import { REPLICA_SETTINGS, ReplicaMonitor } from './replica-monitor.js';

/**
 * Registered by DatabaseModule only when DATABASE_READ_URLS names replicas: its middleware decides
 * where a request's reads go, ReplicaMonitor (exported, for /health/ready and /metrics) watches
 * the replicas and routes, the interceptor gives each write's response its consistency token.
 */
@Module({})
export class ReplicasModule implements NestModule {
  constructor(private readonly monitor: ReplicaMonitor) {}

  static forRoot(settings: ReplicaSettings): DynamicModule {
    return {
      module: ReplicasModule,
      providers: [
        { provide: REPLICA_SETTINGS, useValue: settings },
        ReplicaMonitor,
        { provide: APP_INTERCEPTOR, useClass: ConsistencyTokenInterceptor },
      ],
      exports: [ReplicaMonitor],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(readRoutingMiddleware(this.monitor)).forRoutes({ path: '{*all}', method: RequestMethod.ALL });
  }
}
