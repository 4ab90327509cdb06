import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';

/** Keys of this service in a shared Redis (another deployment on the same server: another database number in REDIS_URL). */
const KEY_PREFIX = 'users-service:rate-limit:';

/** A Redis command slower than this counts as Redis being down (the request goes on, unlimited). */
const COMMAND_TIMEOUT_MS = 500;

/**
 * One hit, atomically (a Lua script runs alone on the server, so two workers or instances counting
 * the same client never both see the last free slot). KEYS: the window's hit counter, the block
 * marker; ARGV: window ms, limit, block ms. A fixed window: the first hit starts it, the hit past
 * the limit blocks the client for the block duration. Returns hits, window ms left, block ms left.
 */
const HIT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
local blocked = redis.call('PTTL', KEYS[2])
if blocked < 0 and hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  blocked = tonumber(ARGV[3])
end
return { hits, ttl, blocked }
`;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

type HitCommand = (
  hitsKey: string,
  blockKey: string,
  ttlMs: number,
  limit: number,
  blockMs: number,
) => Promise<number[]>;

/**
 * @nestjs/throttler's storage in Redis, so every worker and instance holds one limit together.
 * (The Redis storages published for throttler declare Nest ≤ 11 only; this is the same idea.)
 *
 * It fails open: while Redis cannot answer (down, unreachable, slower than 500 ms), requests are
 * not limited, and one warning says so until Redis is back. A rate limiter that took the API down
 * with it would turn a Redis outage into a full outage.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis;
  private failing = false;

  constructor(url: string) {
    this.redis = new Redis(url, {
      // A request never waits for a connection: without Redis it is not limited, at once.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: 2000,
      // Reconnects forever in the background, at most every 2 s.
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    });
    this.redis.defineCommand('rateLimitHit', { numberOfKeys: 2, lua: HIT_SCRIPT });
    this.redis.on('error', (error: Error) => this.down(error));
    this.redis.on('ready', () => this.up());
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<ThrottlerStorageRecord> {
    const hit = (this.redis as unknown as { rateLimitHit: HitCommand }).rateLimitHit;
    try {
      const full = KEY_PREFIX + key;
      // One hash tag, so both keys land on one slot of a Redis Cluster too.
      const [hits, windowMs, blockMs] = await hit.call(
        this.redis,
        `{${full}}:hits`,
        `{${full}}:block`,
        ttl,
        limit,
        blockDuration,
      );
      this.up();
      return {
        totalHits: hits,
        timeToExpire: Math.ceil(windowMs / 1000),
        isBlocked: blockMs > 0,
        timeToBlockExpire: Math.max(0, Math.ceil(blockMs / 1000)),
      };
    } catch (error) {
      this.down(error as Error);
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Connected again, or answering again after a stall. */
  private up(): void {
    if (this.failing) this.logger.log('Redis is back: rate limits apply again');
    this.failing = false;
  }

  /** One warning per outage, not one per request. */
  private down(error: Error): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.warn(`Redis unreachable (${error.message}): requests are not rate-limited until it is back`);
  }
}
