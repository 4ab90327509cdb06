import { z } from 'zod';
import { cursorPageSchema, PageQuerySchema, pageSchema } from '../common/pagination.js';
import { codePoints, text } from '../common/schemas.js';
import { POST_BODY_MAX, POST_TITLE_MAX } from './post.js';

/** `POST /users/:id/posts`. Unknown properties are rejected, not ignored. */
export const CreatePostSchema = z.strictObject({
  title: text({ min: 1, max: POST_TITLE_MAX }).describe('Title, 1–200 characters'),
  // A body is prose: line breaks and tabs are allowed, other control characters are not.
  body: z
    .string()
    .refine((value) => value.isWellFormed(), 'must be valid Unicode text')
    .refine(
      (value) => !/[^\P{Cc}\n\r\t]/u.test(value),
      'must not contain control characters other than line breaks and tabs',
    )
    .refine((value) => codePoints(value) <= POST_BODY_MAX, `must be at most ${POST_BODY_MAX} characters`)
    .describe('Body, up to 10 000 characters'),
});

export const ListPostsQuerySchema = PageQuerySchema;

/** A post as `POST /users/:id/posts` and `GET /users/:id/posts` return it. */
export const PostViewSchema = z.object({
  id: z.number().int(),
  title: z.string(),
  body: z.string(),
  authorId: z.number().int(),
  createdAt: z.iso.datetime(),
});

/** A post in `GET /posts`: the same, with its author embedded. */
export const PostWithAuthorViewSchema = PostViewSchema.extend({
  author: z.object({ id: z.number().int(), name: z.string() }),
});

export const PostPageSchema = pageSchema(PostViewSchema);
export const PostWithAuthorPageSchema = pageSchema(PostWithAuthorViewSchema);
export const PostCursorPageSchema = cursorPageSchema(PostViewSchema);
export const PostWithAuthorCursorPageSchema = cursorPageSchema(PostWithAuthorViewSchema);

export type CreatePostInput = z.output<typeof CreatePostSchema>;
export type ListPostsQuery = z.output<typeof ListPostsQuerySchema>;
export type PostView = z.input<typeof PostViewSchema>;
export type PostWithAuthorView = z.input<typeof PostWithAuthorViewSchema>;
