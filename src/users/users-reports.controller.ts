import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EntityManager } from '@mikro-orm/sql';
import type { Response } from 'express';
import { RateLimitAs } from '../http/rate-limit/route-class.js';
import { ApiErrors } from '../docs/api-errors.decorator.js';
import { ndjsonResponse } from '../docs/responses.js';
import { exportUserBatches, type UserExportRow } from '../sql/export.js';
import { userStats, type UserStats } from '../sql/stats.js';
import { UserStatsSchema, UserViewSchema } from './users.schemas.js';

/**
 * Read-only reports over all users, answered by the SQL layer (src/sql/) with plain rows.
 * Registered before UsersController (see users.module.ts) so `/users/stats` and
 * `/users/export` are not taken for `/users/:id`.
 */
@ApiTags('users')
@ApiErrors(503)
@Controller('users')
export class UsersReportsController {
  constructor(private readonly em: EntityManager) {}

  @Get('stats')
  @ApiOperation({
    summary: 'User and post counts and the top 10 e-mail domains, computed in SQL',
    description: 'Two SQL statements whatever the table sizes; no rows are loaded into the app.',
  })
  @ApiOkResponse({ description: 'The counts', standardSchema: UserStatsSchema })
  stats(): Promise<UserStats> {
    return userStats(this.em);
  }

  /**
   * Every user as NDJSON, in id order, streamed with back-pressure: memory stays flat.
   * Failures: the first batch is read before anything is written, so a database that is down
   * answers a 503 JSON like any route. Past the first byte the status is gone; a failure then
   * destroys the connection before the terminating chunk, so the client sees a truncated
   * (incomplete chunked) body, never a complete-looking 200, and it is logged as an error under the
   * request id (the error filter does both). A client that goes away stops the export silently.
   */
  @Get('export')
  @RateLimitAs('bulk')
  @ApiOperation({
    summary: 'Every user as NDJSON (one JSON user per line), in id order, streamed',
    description:
      'Newline-delimited JSON: each line is one `User` (see `x-ndjson-line`), ended by a line feed. ' +
      'Read it line by line; the body as a whole is not one JSON value. A database failure before the first ' +
      'line is a 503 JSON error. A failure mid-stream closes the connection without the final chunk: a client ' +
      'must treat a body that did not end cleanly as failed.',
  })
  @ApiOkResponse(ndjsonResponse(UserViewSchema, 'One line per user, in id order'))
  async export(@Res() res: Response): Promise<void> {
    // A fork of its own: the stream outlives the handler's synchronous part, so it must not rely
    // on finding the request's context in AsyncLocalStorage from socket callbacks.
    const em = this.em.fork();
    const batches = exportUserBatches(em);
    // Throws before any byte is written when the database cannot be read: the filter answers.
    const first = await batches.next();
    res.status(200).setHeader('content-type', 'application/x-ndjson');
    try {
      await pipeline(Readable.from(ndjson(resume(first, batches))), res);
    } catch (error) {
      // The client went away mid-download: nothing to answer, nothing to log.
      if ((error as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
      // The database failed mid-stream: the filter logs it and destroys the half-sent response.
      throw error;
    }
  }
}

/** `rows` again from its first result, already read. */
async function* resume<T>(first: IteratorResult<T>, rows: AsyncIterator<T>): AsyncGenerator<T> {
  for (let next = first; !next.done; next = await rows.next()) yield next.value;
}

/** One chunk of NDJSON per batch (EXPORT_BATCH lines): one write and one promise per batch, not per user. */
async function* ndjson(batches: AsyncIterable<UserExportRow[]>): AsyncGenerator<string> {
  for await (const batch of batches) {
    let chunk = '';
    for (const row of batch) chunk += `${JSON.stringify(row)}\n`;
    yield chunk;
  }
}
