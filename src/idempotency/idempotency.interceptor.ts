import { createHash } from 'node:crypto';
import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
  Optional,
} from '@nestjs/common';
import { EntityManager } from '@mikro-orm/sql';
import type { Request, Response } from 'express';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { RequestValidationError } from '../common/validation.js';
import { APP_CONFIG } from '../config/app-config.module.js';
import type { AppConfig } from '../config/env.schema.js';
import { IDEMPOTENCY_KEY_MAX } from './idempotency-key.entity.js';
import { IdempotencyService } from './idempotency.service.js';

/** Response headers a replay repeats (the body and status are stored apart). */
const REPLAYED_HEADERS = ['location'];

/**
 * `Idempotency-Key` on a POST route. Without the header the route runs as always. With it:
 * 1. the key is claimed (or its stored response replayed with `Idempotency-Replayed: true`,
 *    writing nothing; 422 if it came with another request; 409 + Retry-After while in flight);
 * 2. the handler runs inside one transaction (the services' flushes join it), and the response
 *    is stored in that same transaction: the work and its response commit together, before the
 *    response is sent, so a client that lost the response gets it again on retry;
 * 3. failed work is rolled back and the key released: the retry runs it again.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly killAfterCommit: boolean;

  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly em: EntityManager,
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
  ) {
    this.killAfterCommit = config?.testKillAfterIdempotentCommit ?? false;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    const header = req.header('idempotency-key');
    if (header === undefined) return next.handle();
    return from(this.run(req, context.switchToHttp().getResponse<Response>(), parseKey(header), next));
  }

  private async run(req: Request, res: Response, key: string, next: CallHandler): Promise<unknown> {
    const claim = await this.idempotency.claim(key, fingerprintOf(req));
    if (claim.kind === 'replay') {
      res.status(claim.response.status).set({ ...claim.response.headers, 'Idempotency-Replayed': 'true' });
      return JSON.parse(claim.response.body) as unknown;
    }
    let result: unknown;
    try {
      result = await this.em.transactional(async (tx) => {
        const body: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
        await tx.flush();
        await this.idempotency.complete(tx, key, claim.owner, {
          status: res.statusCode,
          headers: replayedHeaders(res),
          body: JSON.stringify(body) ?? '',
        });
        return body;
      });
    } catch (error) {
      await this.idempotency.release(key, claim.owner).catch(() => undefined);
      throw error;
    }
    // Test builds only: die between the commit and the response, as a crash or a cut connection would.
    if (this.killAfterCommit) process.kill(process.pid, 'SIGKILL');
    return result;
  }
}

/**
 * The key as the draft writes it (a Structured Field string, `"…"`), or bare: 1–255 visible
 * ASCII characters, else a 400.
 */
function parseKey(header: string): string {
  const quoted = /^"(.*)"$/.exec(header.trim());
  const key = quoted ? quoted[1] : header.trim();
  if (!/^[\x21-\x7e]+$/.test(key) || key.length > IDEMPOTENCY_KEY_MAX) {
    throw new RequestValidationError([
      { path: 'Idempotency-Key', message: `must be 1–${IDEMPOTENCY_KEY_MAX} visible ASCII characters` },
    ]);
  }
  return key;
}

/** What makes two requests "the same": method, path and body (keys in any order). */
function fingerprintOf(req: Request): string {
  const path = req.originalUrl.split('?')[0];
  return createHash('sha256')
    .update(`${req.method} ${path}\n${canonicalJson(req.body)}`)
    .digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function replayedHeaders(res: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = res.getHeader(name);
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}
