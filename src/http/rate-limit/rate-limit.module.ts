import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule, ThrottlerStorageService, type ThrottlerOptions } from '@nestjs/throttler';
import type { AppConfig, RateLimitClass } from '../../config/env.schema.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';
import { routeClassOf } from './route-class.js';

const CLASSES: RateLimitClass[] = ['reads', 'writes', 'bulk'];

/**
 * Rate limiting per client IP (RATE_LIMIT=1) with @nestjs/throttler: one named throttler per
 * route class (reads, writes, bulk), each applying only to its own class, with RATE_LIMIT_<CLASS>
 * requests per RATE_LIMIT_WINDOW_MS. Counted in Redis when REDIS_URL is set (one limit across
 * workers and instances), else in this process's memory. Off: nothing is registered at all.
 */
@Module({})
export class RateLimitModule {
  static forRoot(config: AppConfig): DynamicModule {
    const { enabled, windowMs, limits, redisUrl } = config.rateLimit;
    if (!enabled) return { module: RateLimitModule };
    const throttlers: ThrottlerOptions[] = CLASSES.map((name) => ({
      name,
      limit: limits[name],
      ttl: windowMs,
      skipIf: (context) => routeClassOf(context) !== name,
    }));
    return {
      module: RateLimitModule,
      imports: [
        ThrottlerModule.forRoot({
          throttlers,
          storage: redisUrl ? new RedisThrottlerStorage(redisUrl) : new ThrottlerStorageService(),
        }),
      ],
      providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
    };
  }
}
