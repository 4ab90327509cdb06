import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import { RateLimitedError } from '../../common/errors.js';
import { routeClassOf } from './route-class.js';

/**
 * @nestjs/throttler's guard, with three changes: exempt paths are skipped before any counting; a
 * client has one count per route class (throttler), not one per route; and a client past its
 * limit gets a domain error, so the one error filter writes the 429 body and its `Retry-After`
 * like every other error.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
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
