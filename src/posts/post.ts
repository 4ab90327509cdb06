import { inspect } from 'node:util';
import type { Opt } from '@mikro-orm/core';
import type { User } from '../users/user.entity.js';

/** Column limits, shared by the mapping and the request schemas so they cannot drift apart. */
export const POST_TITLE_MAX = 200;
export const POST_BODY_MAX = 10_000;

/**
 * The manual-mapping way of the Flask page (`class Post` + `mapper(Post, posts)`): a plain class
 * that knows nothing about the database. Its table lives in `post.schema.ts`.
 */
export class Post {
  id!: number;
  title: string;
  body: string;
  author: User;
  createdAt: Date & Opt = new Date();
  /** Optimistic-lock version (see post.schema.ts); the post's ETag is made of it. */
  version!: number & Opt;

  constructor(author: User, title: string, body: string) {
    this.author = author;
    this.title = title;
    this.body = body;
  }

  /** `Post { id: 1, title: 'Hello' }` in a console or the REPL. */
  [inspect.custom](): string {
    return `Post { id: ${inspect(this.id)}, title: ${inspect(this.title)} }`;
  }
}
