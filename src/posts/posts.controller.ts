import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { mapPage, type Page } from '../common/pagination.js';
import { IdParamSchema } from '../common/schemas.js';
import { ApiErrors } from '../docs/api-errors.decorator.js';
import { toPostView, toPostWithAuthorView } from './post.view.js';
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

/**
 * Posts under their author (`/users/:id/posts`) and the global feed (`/posts`). The extra path
 * segment keeps these routes clear of `/users/:id`.
 */
@ApiTags('posts')
@ApiErrors(503)
@Controller()
export class PostsController {
  constructor(private readonly posts: PostsService) {}

  @Post('users/:id/posts')
  @ApiOperation({ summary: 'Write a post as user :id', description: 'The author must exist (404 otherwise).' })
  @ApiCreatedResponse({ description: 'Created', standardSchema: PostViewSchema })
  @ApiErrors(400, 404, 413)
  async create(
    @Param('id', { schema: IdParamSchema }) authorId: number,
    @Body({ schema: CreatePostSchema }) input: CreatePostInput,
  ): Promise<PostView> {
    return toPostView(await this.posts.create(authorId, input));
  }

  @Get('users/:id/posts')
  @ApiOperation({
    summary: "One page of a user's posts, newest first",
    description: 'A 404 when the user does not exist; an empty page when they wrote nothing.',
  })
  @ApiOkResponse({ description: 'One page of posts', standardSchema: PostPageSchema })
  @ApiErrors(400, 404)
  async listByAuthor(
    @Param('id', { schema: IdParamSchema }) authorId: number,
    @Query({ schema: ListPostsQuerySchema }) query: ListPostsQuery,
  ): Promise<Page<PostView>> {
    return mapPage(await this.posts.listByAuthor(authorId, query), toPostView);
  }

  @Get('posts')
  @ApiOperation({
    summary: 'One page of all posts, newest first, each with its author',
    description: 'Authors are loaded in one extra query per page, not one per post.',
  })
  @ApiOkResponse({ description: 'One page of posts with their authors', standardSchema: PostWithAuthorPageSchema })
  @ApiErrors(400)
  async list(@Query({ schema: ListPostsQuerySchema }) query: ListPostsQuery): Promise<Page<PostWithAuthorView>> {
    return mapPage(await this.posts.listAll(query), toPostWithAuthorView);
  }
}
