import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { mapPage, type Page } from '../common/pagination.js';
import { IdParamSchema } from '../common/schemas.js';
import { ApiErrors } from '../docs/api-errors.decorator.js';
import { postETag, toPostView, toPostWithAuthorView } from './post.view.js';
import { PostsService } from './posts.service.js';
import {
  CreatePostSchema,
  ListPostsQuerySchema,
  PostPageSchema,
  PostViewSchema,
  PostWithAuthorPageSchema,
  type CreatePostInput,
  type ListPostsQuery,
  type PostView,
  type PostWithAuthorView,
} from './posts.schemas.js';

const POST_ETAG_HEADER = {
  description: 'Strong validator of this version, e.g. `"p7-v1"`',
  schema: { type: 'string' },
};

/**
 * Posts under their author (`/users/:id/posts`) and the global feed (`/posts`). The extra path
 * segment keeps these routes clear of `/users/:id`.
 */
@ApiTags('posts')
@Controller()
export class PostsController {
  constructor(private readonly posts: PostsService) {}

  @Post('users/:id/posts')
  @ApiOperation({ summary: 'Write a post as user :id' })
  @ApiCreatedResponse({ standardSchema: PostViewSchema })
  @ApiErrors(400, 404, 413)
  async create(
    @Param('id', { schema: IdParamSchema }) authorId: number,
    @Body({ schema: CreatePostSchema }) input: CreatePostInput,
  ): Promise<PostView> {
    return toPostView(await this.posts.create(authorId, input));
  }

  @Get('users/:id/posts')
  @ApiOperation({ summary: "One page of a user's posts, newest first" })
  @ApiOkResponse({ standardSchema: PostPageSchema })
  @ApiErrors(400, 404)
  async listByAuthor(
    @Param('id', { schema: IdParamSchema }) authorId: number,
    @Query({ schema: ListPostsQuerySchema }) query: ListPostsQuery,
  ): Promise<Page<PostView>> {
    return mapPage(await this.posts.listByAuthor(authorId, query), toPostView);
  }

  @Get('posts')
  @ApiOperation({ summary: 'One page of all posts, newest first, each with its author' })
  @ApiOkResponse({ standardSchema: PostWithAuthorPageSchema })
  @ApiErrors(400)
  async list(@Query({ schema: ListPostsQuerySchema }) query: ListPostsQuery): Promise<Page<PostWithAuthorView>> {
    return mapPage(await this.posts.listAll(query), toPostWithAuthorView);
  }

  /** Conditional GET as `GET /users/:id`: Express turns a matching `If-None-Match` into a 304. */
  @Get('posts/:id')
  @ApiOperation({ summary: 'One post, with its ETag; `If-None-Match` with that ETag answers 304' })
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'An ETag read before: 304 if still current' })
  @ApiOkResponse({ standardSchema: PostViewSchema, headers: { ETag: POST_ETAG_HEADER } })
  @ApiNotModifiedResponse({ description: 'The ETag in `If-None-Match` is current: no body' })
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
