import { Body, Controller, Get, Inject, Optional, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { listRequest, mapPage, type CursorPage, type Page } from '../common/pagination.js';
import { IdParamSchema } from '../common/schemas.js';
import { APP_CONFIG } from '../config/app-config.module.js';
import type { AppConfig } from '../config/env.schema.js';
import { ApiErrors } from '../docs/api-errors.decorator.js';
import { headerRef, IF_NONE_MATCH_HEADER } from '../docs/responses.js';
import { CursorPages } from '../http/cursor-pages.js';
import { IDEMPOTENCY_REPLAYED_HEADER, Idempotent } from '../idempotency/idempotent.decorator.js';
import { postETag, toPostView, toPostWithAuthorView } from './post.view.js';
import { PostsService } from './posts.service.js';
import {
  CreatePostSchema,
  ListPostsQuerySchema,
  PostCursorPageSchema,
  PostPageSchema,
  PostWithAuthorCursorPageSchema,
  PostViewSchema,
  PostWithAuthorPageSchema,
  type CreatePostInput,
  type ListPostsQuery,
  type PostView,
  type PostWithAuthorView,
} from './posts.schemas.js';

/**
 * Posts under their author (`/users/:id/posts`) and the global feed (`/posts`). The extra path
 * segment keeps these routes clear of `/users/:id`.
 */
@ApiTags('posts')
@ApiErrors(503)
@Controller()
export class PostsController {
  private readonly cursors: CursorPages;

  /** The config (CURSOR_SECRET) is optional so a spec can mount PostsModule without it. */
  constructor(
    private readonly posts: PostsService,
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
  ) {
    this.cursors = new CursorPages(config?.cursorSecret);
  }

  @Post('users/:id/posts')
  @ApiOperation({
    summary: 'Write a post as user :id; with `Idempotency-Key`, safe to retry',
    description: 'The author must exist (404 otherwise).',
  })
  @ApiCreatedResponse({ description: 'Created', standardSchema: PostViewSchema, headers: IDEMPOTENCY_REPLAYED_HEADER })
  @ApiErrors(400, 404, 413)
  @Idempotent()
  async create(
    @Param('id', { schema: IdParamSchema }) authorId: number,
    @Body({ schema: CreatePostSchema }) input: CreatePostInput,
  ): Promise<PostView> {
    return toPostView(await this.posts.create(authorId, input));
  }

  @Get('users/:id/posts')
  @ApiOperation({
    summary: "A user's posts, newest first: a numbered page (page/perPage) or a cursor page (limit/cursor)",
    description: 'A 404 when the user does not exist; an empty page when they wrote nothing.',
  })
  @ApiOkResponse({
    description: 'A numbered page with its total, or (with `limit`/`cursor`) a cursor page without one',
    standardSchema: z.union([PostPageSchema, PostCursorPageSchema]),
  })
  @ApiErrors(400, 404)
  async listByAuthor(
    @Param('id', { schema: IdParamSchema }) authorId: number,
    @Query({ schema: ListPostsQuerySchema }) query: ListPostsQuery,
  ): Promise<Page<PostView> | CursorPage<PostView>> {
    const request = listRequest(query);
    if (request.mode === 'page') return mapPage(await this.posts.listByAuthor(authorId, request.page), toPostView);
    return this.cursors.page(
      `users/${authorId}/posts`,
      request.cursor,
      (page) => this.posts.listByAuthorByCursor(authorId, page),
      toPostView,
    );
  }

  @Get('posts')
  @ApiOperation({
    summary:
      'All posts, newest first, each with its author: a numbered page (page/perPage) or a cursor page (limit/cursor)',
    description: 'Each post carries its author (`id`, `name`), loaded with the page, not one query per post.',
  })
  @ApiOkResponse({
    description: 'A numbered page with its total, or (with `limit`/`cursor`) a cursor page without one',
    standardSchema: z.union([PostWithAuthorPageSchema, PostWithAuthorCursorPageSchema]),
  })
  @ApiErrors(400)
  async list(
    @Query({ schema: ListPostsQuerySchema }) query: ListPostsQuery,
  ): Promise<Page<PostWithAuthorView> | CursorPage<PostWithAuthorView>> {
    const request = listRequest(query);
    if (request.mode === 'page') return mapPage(await this.posts.listAll(request.page), toPostWithAuthorView);
    return this.cursors.page('posts', request.cursor, (page) => this.posts.listAllByCursor(page), toPostWithAuthorView);
  }

  /** Conditional GET as `GET /users/:id`: Express turns a matching `If-None-Match` into a 304. */
  @Get('posts/:id')
  @ApiOperation({
    summary: 'One post, with its ETag; `If-None-Match` with that ETag answers 304',
    description: 'The post with this id (ETag `"p<id>-v<version>"`), or 404.',
  })
  @ApiHeader(IF_NONE_MATCH_HEADER)
  @ApiOkResponse({ description: 'The post', standardSchema: PostViewSchema, headers: { ETag: headerRef('ETag') } })
  @ApiNotModifiedResponse({
    description: 'The ETag in `If-None-Match` is current: no body',
    headers: { ETag: headerRef('ETag') },
  })
  @ApiErrors(400, 404)
  async get(
    @Param('id', { schema: IdParamSchema }) id: number,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PostView> {
    const post = await this.posts.get(id);
    res.setHeader('ETag', postETag(post));
    return toPostView(post);
  }
}
