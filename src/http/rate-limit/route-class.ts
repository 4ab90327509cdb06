import { type ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { RateLimitClass } from '../../config/env.schema.js';

const ROUTE_CLASS = 'users-service:rate-limit-class';

/** Probes and scrapes are never limited: a limited probe would get a healthy instance restarted. */
const EXEMPT_PATHS = /^\/(health|metrics)(\/|$)/;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Puts a route (or a controller) in a rate-limit class other than its method's: `@RateLimitAs('bulk')`. */
export const RateLimitAs = (routeClass: RateLimitClass) => SetMetadata(ROUTE_CLASS, routeClass);

// Reflector only reads decorator metadata; the throttlers' `skipIf` gets no injector.
const reflector = new Reflector();

/**
 * The rate-limit class of the request: what its route declares, else `reads` for GET/HEAD and
 * `writes` for the rest; `undefined` for the exempt paths.
 */
export function routeClassOf(context: ExecutionContext): RateLimitClass | undefined {
  const request = context.switchToHttp().getRequest<Request>();
  if (EXEMPT_PATHS.test(request.path)) return undefined;
  const declared = reflector.getAllAndOverride<RateLimitClass | undefined>(ROUTE_CLASS, [
    context.getHandler(),
    context.getClass(),
  ]);
  return declared ?? (SAFE_METHODS.has(request.method) ? 'reads' : 'writes');
}
