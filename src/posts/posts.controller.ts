import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { mapPage, type Page } from '../common/pagination.js';
import { IdParamSchema } from '../common/schemas.js';
import { toPostView, toPostWithAuthorView } from './post.view.js';
import { PostsService } from './posts.service.js';
import {
  CreatePostSchema,
  ListPostsQuerySchema,
  type CreatePostInput,
  type ListPostsQuery,
  type PostView,
  type PostWithAuthorView,
} from './posts.schemas.js';

/**
 * Posts under their author (`/users/:id/posts`) and the global feed (`/posts`). The extra path
 * segment keeps these routes clear of `/users/:id`.
 */
@Controller()
export class PostsController {
  constructor(private readonly posts: PostsService) {}

  @Post('users/:id/posts')
  async create(
    @Param('id', { schema: IdParamSchema }) authorId: number,
    @Body({ schema: CreatePostSchema }) input: CreatePostInput,
  ): Promise<PostView> {
    return toPostView(await this.posts.create(authorId, input));
  }

  @Get('users/:id/posts')
  async listByAuthor(
    @Param('id', { schema: IdParamSchema }) authorId: number,
    @Query({ schema: ListPostsQuerySchema }) query: ListPostsQuery,
  ): Promise<Page<PostView>> {
    return mapPage(await this.posts.listByAuthor(authorId, query), toPostView);
  }

  @Get('posts')
  async list(@Query({ schema: ListPostsQuerySchema }) query: ListPostsQuery): Promise<Page<PostWithAuthorView>> {
    return mapPage(await this.posts.listAll(query), toPostWithAuthorView);
  }
}
