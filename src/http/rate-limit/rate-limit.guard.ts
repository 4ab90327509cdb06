import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Request } from 'express';
import { RateLimitedError } from '../../common/errors.js';
import { routeClassOf } from './route-class.js';

/**
 * @nestjs/throttler's guard, with four changes: a client is its `req.ip`; exempt paths are skipped
 * before any counting; a client has one count per route class (throttler), not one per route; and
 * a client past its limit gets a domain error, so the one error filter writes the 429 body and its
 * `Retry-After` like every other error.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  /**
   * The socket's address, or with TRUST_PROXY the client as the trusted proxies report it
   * (Express resolves it); never an X-Forwarded-For entry no trusted proxy vouched for.
   */
  protected override getTracker(req: Request): Promise<string> {
    return Promise.resolve(req.ip ?? req.socket.remoteAddress ?? 'unknown');
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(routeClassOf(context) === undefined);
  }

  protected override throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new RateLimitedError(routeClassOf(context) ?? 'this route', Math.max(1, detail.timeToBlockExpire));
  }
}
