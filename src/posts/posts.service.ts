import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/sql';
import { NotFoundError } from '../common/errors.js';
import type { Page, PageRequest } from '../common/pagination.js';
import { findCursorPage, type KeysetPage } from '../database/query/find-cursor-page.js';
import { findPage } from '../database/query/find-page.js';
import { User } from '../users/user.entity.js';
import { Post } from './post.js';
import type { CreatePostInput } from './posts.schemas.js';

/** The largest id a 32-bit integer column holds; nothing lies beyond it. */
const MAX_ID = 2_147_483_647;

type KeysetRequest = { limit: number; after?: string };

/** Newest first; the id breaks ties between posts created in the same millisecond. */
const NEWEST_FIRST = { createdAt: 'desc', id: 'desc' } as const;

/**
 * Posts' rules and unit of work, in the current request's EntityManager fork (see UsersService).
 * `Post` is a plain class mapped by `PostSchema`; the EntityManager accepts it like any entity.
 */
@Injectable()
export class PostsService {
  constructor(private readonly em: EntityManager) {}

  async create(authorId: number, input: CreatePostInput): Promise<Post> {
    const author = await this.findAuthor(authorId);
    const post = new Post(author, input.title, input.body);
    await this.em.persist(post).flush();
    return post;
  }

  /** One post, with its author (for the view's `authorId`, a reference is enough). */
  async get(id: number): Promise<Post> {
    const post = id > MAX_ID ? null : await this.em.findOne(Post, { id });
    if (!post) throw new NotFoundError('post');
    return post;
  }

  /** One author's posts, newest first; 404 when the author does not exist. */
  async listByAuthor(authorId: number, request: PageRequest): Promise<Page<Post>> {
    const author = await this.findAuthor(authorId);
    return findPage(this.em, Post, { author }, request, { orderBy: NEWEST_FIRST });
  }

  /** The same list as keyset pages (cursor mode): `(createdAt, id) < last seen`, newest first. */
  async listByAuthorByCursor(authorId: number, request: KeysetRequest): Promise<KeysetPage<Post>> {
    const author = await this.findAuthor(authorId);
    return findCursorPage(this.em, Post, { author }, request, { orderBy: NEWEST_FIRST });
  }

  /** Every post as keyset pages, each with its author joined in, as `listAll`. */
  listAllByCursor(request: KeysetRequest): Promise<KeysetPage<Post>> {
    return findCursorPage(this.em, Post, {}, request, {
      populate: ['author'],
      strategy: 'joined',
      orderBy: NEWEST_FIRST,
    });
  }

  /**
   * Every post, newest first, each with its author. The author is joined into the same SELECT
   * (`populate` with the joined strategy), so a page costs the same two statements (rows and
   * count) whatever its size: no query per post. The identity map hands every post by one
   * author the same `User` instance.
   */
  async listAll(request: PageRequest): Promise<Page<Post>> {
    return findPage(this.em, Post, {}, request, { populate: ['author'], strategy: 'joined', orderBy: NEWEST_FIRST });
  }

  private async findAuthor(id: number): Promise<User> {
    const user = id > MAX_ID ? null : await this.em.findOne(User, { id });
    if (!user) throw new NotFoundError('user');
    return user;
  }
}
