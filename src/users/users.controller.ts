import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Inject,
  Optional,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { listRequest, mapPage, type CursorPage, type Page } from '../common/pagination.js';
import { readIfMatch } from '../common/entity-tag.js';
import { IdParamSchema } from '../common/schemas.js';
import { APP_CONFIG } from '../config/app-config.module.js';
import type { AppConfig } from '../config/env.schema.js';
import { ApiErrors } from '../docs/api-errors.decorator.js';
import { CursorPages } from '../http/cursor-pages.js';
import { IDEMPOTENCY_REPLAYED_HEADER, Idempotent } from '../idempotency/idempotent.decorator.js';
import { headerRef, IF_MATCH_HEADER, IF_NONE_MATCH_HEADER } from '../docs/responses.js';
import { toUserView, userETag } from './user.view.js';
import { UsersService } from './users.service.js';
import {
  CreateUserSchema,
  ListUsersQuerySchema,
  UpdateUserSchema,
  UserCursorPageSchema,
  UserPageSchema,
  UserViewSchema,
  type CreateUserInput,
  type ListUsersQuery,
  type UpdateUserInput,
  type UserView,
} from './users.schemas.js';

/**
 * HTTP in, HTTP out: parse with the schemas, call one service method, pick the status.
 * The same schemas describe each route in the OpenAPI document (`/docs`).
 */
@ApiTags('users')
@ApiErrors(503)
@Controller('users')
export class UsersController {
  /** REQUIRE_IF_MATCH; the config is optional so a spec can mount UsersModule without it. */
  private readonly requireIfMatch: boolean;
  /** Signs and checks the list's cursors with CURSOR_SECRET. */
  private readonly cursors: CursorPages;

  constructor(
    private readonly users: UsersService,
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
  ) {
    this.requireIfMatch = config?.requireIfMatch ?? false;
    this.cursors = new CursorPages(config?.cursorSecret);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a user; with `Idempotency-Key`, safe to retry',
    description: 'Name and e-mail must both be free (409 names the one taken); the e-mail is stored lower-cased.',
  })
  @ApiCreatedResponse({
    description: 'Created; `Location` names the new user',
    standardSchema: UserViewSchema,
    headers: { Location: headerRef('Location'), ...IDEMPOTENCY_REPLAYED_HEADER },
  })
  // 409 comes with @Idempotent(): a taken value, or the same key still in flight (Retry-After).
  @ApiErrors(400, 413)
  @Idempotent()
  async create(
    @Body({ schema: CreateUserSchema }) input: CreateUserInput,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UserView> {
    const user = await this.users.create(input);
    res.location(`/users/${user.id}`);
    return toUserView(user);
  }

  @Get()
  @ApiOperation({
    summary: 'Users ordered by id, optionally filtered: a numbered page (page/perPage) or a cursor page (limit/cursor)',
    description: 'Filters compare exactly (`email` case-insensitively). A page past the last is empty, not a 404.',
  })
  @ApiOkResponse({
    description: 'A numbered page with its total, or (with `limit`/`cursor`) a cursor page without one',
    standardSchema: z.union([UserPageSchema, UserCursorPageSchema]),
  })
  @ApiErrors(400)
  async list(
    @Query({ schema: ListUsersQuerySchema }) query: ListUsersQuery,
  ): Promise<Page<UserView> | CursorPage<UserView>> {
    const { name, email, ...paging } = query;
    const filter = { name, email };
    const request = listRequest(paging);
    if (request.mode === 'page') return mapPage(await this.users.list({ ...filter, ...request.page }), toUserView);
    // A cursor continues only the list (and filter) that made it.
    const scope = `users?${JSON.stringify([name ?? null, email?.toLowerCase() ?? null])}`;
    return this.cursors.page(scope, request.cursor, (page) => this.users.listByCursor(filter, page), toUserView);
  }

  /**
   * Express answers the conditional GET itself: `res.json` compares `If-None-Match` with the
   * `ETag` set here (weak comparison, RFC 9110 §13.1.2) and sends a 304 without a body on a match.
   */
  @Get(':id')
  @ApiOperation({
    summary: 'One user, with its ETag; `If-None-Match` with that ETag answers 304',
    description: 'The user with this id (ETag `"u<id>-v<version>"`), or 404.',
  })
  @ApiHeader(IF_NONE_MATCH_HEADER)
  @ApiOkResponse({ description: 'The user', standardSchema: UserViewSchema, headers: { ETag: headerRef('ETag') } })
  @ApiNotModifiedResponse({
    description: 'The ETag in `If-None-Match` is current: no body',
    headers: { ETag: headerRef('ETag') },
  })
  @ApiErrors(400, 404)
  async get(
    @Param('id', { schema: IdParamSchema }) id: number,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UserView> {
    const user = await this.users.get(id);
    res.setHeader('ETag', userETag(user));
    return toUserView(user);
  }

  @Patch(':id')
  @ApiOperation({
    summary: "Change a user's name and/or e-mail; with `If-Match`, only if unchanged since read",
    description: 'Send at least one field; the others keep their values. A taken name or e-mail is a 409.',
  })
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOkResponse({
    description: 'The user as changed, with its new ETag',
    standardSchema: UserViewSchema,
    headers: { ETag: headerRef('ETag') },
  })
  @ApiErrors(400, 404, 409, 412, 413, 428)
  async update(
    @Param('id', { schema: IdParamSchema }) id: number,
    @Body({ schema: UpdateUserSchema }) changes: UpdateUserInput,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UserView> {
    const user = await this.users.update(id, changes, readIfMatch(ifMatch, this.requireIfMatch));
    res.setHeader('ETag', userETag(user));
    return toUserView(user);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a user; with `If-Match`, only if unchanged since read',
    description: 'Deletes the user and, with it, their posts.',
  })
  @ApiHeader(IF_MATCH_HEADER)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404, 412, 428)
  async remove(
    @Param('id', { schema: IdParamSchema }) id: number,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    await this.users.remove(id, readIfMatch(ifMatch, this.requireIfMatch));
  }
}
