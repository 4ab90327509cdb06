import { z } from 'zod';
import { cursorPageSchema, PageQuerySchema, pageSchema } from '../common/pagination.js';
import { PROSE, text } from '../common/schemas.js';
import { POST_BODY_MAX, POST_TITLE_MAX } from './post.js';

/** `POST /users/:id/posts`. Unknown properties are rejected, not ignored. */
export const CreatePostSchema = z
  .strictObject({
    title: text({ min: 1, max: POST_TITLE_MAX }).meta({
      description: `Title, 1–${POST_TITLE_MAX} characters; surrounding whitespace is trimmed`,
      examples: ['Hello'],
    }),
    // A body is prose: line breaks and tabs are allowed, other control characters are not.
    body: z
      .string()
      .max(POST_BODY_MAX, `must be at most ${POST_BODY_MAX} characters`)
      .regex(PROSE, 'must be valid Unicode text without control characters other than line breaks and tabs')
      .meta({
        description: `Body, up to ${POST_BODY_MAX} characters; line breaks and tabs allowed`,
        examples: ['First post.\nMore to come.'],
      }),
  })
  .meta({ id: 'CreatePost', examples: [{ title: 'Hello', body: 'First post.' }] });

export const ListPostsQuerySchema = PageQuerySchema;

const POST_EXAMPLE = { id: 1, title: 'Hello', body: 'First post.', authorId: 1, createdAt: '2026-11-27T04:18:54.000Z' };

const postFields = {
  id: z.int().min(1).describe('Numeric id'),
  title: z.string().describe('Title'),
  body: z.string().describe('Body'),
  authorId: z.int().min(1).describe('The id of the user who wrote it'),
  createdAt: z.iso.datetime().describe('When it was written (UTC)'),
};

/** A post as `POST /users/:id/posts` and `GET /users/:id/posts` return it. */
export const PostViewSchema = z
  .object(postFields)
  .meta({ id: 'Post', description: 'A post', examples: [POST_EXAMPLE] });

const POST_WITH_AUTHOR_EXAMPLE = { ...POST_EXAMPLE, author: { id: 1, name: 'admin' } };

/** A post in `GET /posts`: the same, with its author embedded. */
export const PostWithAuthorViewSchema = z
  .object({
    ...postFields,
    author: z
      .object({ id: z.int().min(1), name: z.string() })
      .meta({ id: 'PostAuthor', description: 'The author of a post, embedded' }),
  })
  .meta({ id: 'PostWithAuthor', description: 'A post with its author', examples: [POST_WITH_AUTHOR_EXAMPLE] });

export const PostPageSchema = pageSchema(PostViewSchema, 'PostPage', POST_EXAMPLE);
export const PostWithAuthorPageSchema = pageSchema(
  PostWithAuthorViewSchema,
  'PostWithAuthorPage',
  POST_WITH_AUTHOR_EXAMPLE,
);
export const PostCursorPageSchema = cursorPageSchema(PostViewSchema, 'PostCursorPage', POST_EXAMPLE);
export const PostWithAuthorCursorPageSchema = cursorPageSchema(
  PostWithAuthorViewSchema,
  'PostWithAuthorCursorPage',
  POST_WITH_AUTHOR_EXAMPLE,
);

export type CreatePostInput = z.output<typeof CreatePostSchema>;
export type ListPostsQuery = z.output<typeof ListPostsQuerySchema>;
export type PostView = z.input<typeof PostViewSchema>;
export type PostWithAuthorView = z.input<typeof PostWithAuthorViewSchema>;
