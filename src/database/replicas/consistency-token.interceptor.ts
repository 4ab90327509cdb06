import { type CallHandler, type ExecutionContext, Injectable, Logger, type NestInterceptor } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';
import type { Request, Response } from 'express';
import { from, mergeMap, type Observable } from 'rxjs';

/** The response header that carries a write's consistency token. */
export const CONSISTENCY_TOKEN_HEADER = 'X-Consistency-Token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Stamps the response of every write request with the primary's WAL position once the handler
 * is done, hence after its commit: `pg_current_wal_lsn()` is then at or past that commit's
 * record, so a replica that has replayed that far has the write. A client sends it back as
 * `X-Read-After`. If the primary cannot say (it just went away), the response goes without a
 * token rather than failing a write that was committed.
 */
@Injectable()
export class ConsistencyTokenInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Replicas');

  constructor(private readonly orm: MikroORM) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    if (SAFE_METHODS.has(http.getRequest<Request>().method)) return next.handle();
    const response = http.getResponse<Response>();
    return next.handle().pipe(mergeMap((body: unknown) => from(this.stamp(response).then(() => body))));
  }

  private async stamp(response: Response): Promise<void> {
    try {
      const rows = await this.orm.driver
        .getConnection('write')
        .execute<{ lsn: string }[]>('select pg_current_wal_lsn()::text as lsn');
      if (!response.headersSent) response.setHeader(CONSISTENCY_TOKEN_HEADER, rows[0].lsn);
    } catch (error) {
      this.logger.warn(`no consistency token: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
