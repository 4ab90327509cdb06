import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EntityManager } from '@mikro-orm/sql';
import type { Response } from 'express';
import { ApiErrors } from '../docs/api-errors.decorator.js';
import { ndjsonResponse } from '../docs/responses.js';
import { exportUsers } from '../sql/export.js';
import { userStats, type UserStats } from '../sql/stats.js';
import { UserStatsSchema, UserViewSchema } from './users.schemas.js';

/** Lines per write to the socket: fewer, larger writes than one per user. */
const LINES_PER_CHUNK = 500;

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

  /** Every user as NDJSON, in id order, streamed with back-pressure: memory stays flat. */
  @Get('export')
  @ApiOperation({
    summary: 'Every user as NDJSON (one JSON user per line), in id order, streamed',
    description:
      'Newline-delimited JSON: each line is one `User` (see `x-ndjson-line`), ended by a line feed. ' +
      'Read it line by line; the body as a whole is not one JSON value.',
  })
  @ApiOkResponse(ndjsonResponse(UserViewSchema, 'One line per user, in id order'))
  async export(@Res() res: Response): Promise<void> {
    // A fork of its own: the stream outlives the handler's synchronous part, so it must not rely
    // on finding the request's context in AsyncLocalStorage from socket callbacks.
    const em = this.em.fork();
    res.status(200).setHeader('content-type', 'application/x-ndjson');
    try {
      await pipeline(Readable.from(ndjson(exportUsers(em))), res);
    } catch (error) {
      // The client went away mid-download: nothing to answer, nothing to log.
      if (res.destroyed && !res.writableFinished) return;
      throw error;
    }
  }
}

async function* ndjson(rows: AsyncIterable<object>): AsyncGenerator<string> {
  let chunk = '';
  let lines = 0;
  for await (const row of rows) {
    chunk += `${JSON.stringify(row)}\n`;
    if (++lines === LINES_PER_CHUNK) {
      yield chunk;
      chunk = '';
      lines = 0;
    }
  }
  if (chunk) yield chunk;
}
