import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { UnauthorizedError } from '../common/errors.js';
import { APP_CONFIG } from '../config/app-config.module.js';
import type { AppConfig } from '../config/env.schema.js';
import { IS_PUBLIC } from './public.decorator.js';
import { bearerToken, tokensMatch } from './token.js';

/**
 * Global guard: when API_TOKEN is set, every route not marked `@Public()` requires
 * `Authorization: Bearer <API_TOKEN>`. Closed by default, so routes added later are protected
 * without a list to keep up to date. Guards run before pipes and handlers, so a rejected
 * request reads and writes nothing (only its body may have been parsed by then).
 */
@Injectable()
export class BearerTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.apiToken;
    if (expected === undefined) return true;
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const presented = bearerToken(context.switchToHttp().getRequest<Request>().get('authorization'));
    if (presented !== undefined && tokensMatch(presented, expected)) return true;
    throw new UnauthorizedError(presented === undefined ? 'missing bearer token' : 'invalid bearer token');
  }
}
