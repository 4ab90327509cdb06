import { z } from 'zod';
import { cursorPageSchema, PageQuerySchema, pageSchema } from '../common/pagination.js';
import { EMAIL_SHAPE, text } from '../common/schemas.js';
import { USER_EMAIL_MAX, USER_NAME_MAX } from './user.entity.js';

export const UserNameSchema = text({ min: 1, max: USER_NAME_MAX }).meta({
  description: `Display name, 1–${USER_NAME_MAX} characters, unique; surrounding whitespace is trimmed`,
  examples: ['admin'],
});

/**
 * A single-label domain such as the seed's `admin@localhost` is valid, so no dot is required (and
 * so `format: email`, which demands one, would not describe it): EMAIL_SHAPE's `local@domain`.
 */
export const UserEmailSchema = z
  .string()
  .max(USER_EMAIL_MAX, `must be at most ${USER_EMAIL_MAX} characters`)
  .regex(EMAIL_SHAPE, 'must look like local@domain')
  .trim()
  .min(3, 'must be at least 3 characters')
  .toLowerCase()
  .meta({
    description: `E-mail address (local@domain), at most ${USER_EMAIL_MAX} characters, unique; stored trimmed and lower-cased`,
    examples: ['admin@localhost'],
  });

/** `POST /users`. Unknown properties are rejected, not ignored. */
export const CreateUserSchema = z
  .strictObject({ name: UserNameSchema, email: UserEmailSchema })
  .meta({ id: 'CreateUser', examples: [{ name: 'admin', email: 'admin@localhost' }] });

/** `PATCH /users/:id`: any of the fields, at least one (`minProperties`, which the pipe checks too). */
export const UpdateUserSchema = z
  .strictObject({ name: UserNameSchema.optional(), email: UserEmailSchema.optional() })
  .check((ctx) => {
    // What `minProperties: 1` says in the document; with unknown keys rejected, one key is one field.
    if (Object.keys(ctx.value).length === 0)
      ctx.issues.push({ code: 'custom', message: 'give at least one of name, email', input: ctx.value });
  })
  .meta({ id: 'UpdateUser', minProperties: 1, examples: [{ email: 'root@localhost' }] });

/**
 * `GET /users` query: a page, optionally filtered by exact name or email. The filters have no
 * example on purpose: Swagger UI's "Try it out" fills examples in, and would filter the list.
 */
export const ListUsersQuerySchema = PageQuerySchema.extend({
  name: z.string().max(200).optional().describe('Exact name'),
  email: z.string().max(200).optional().describe('Exact e-mail, case-insensitive'),
});

const USER_EXAMPLE = {
  id: 1,
  name: 'admin',
  email: 'admin@localhost',
  createdAt: '2026-11-27T04:18:54.000Z',
  updatedAt: '2026-11-27T04:18:54.000Z',
};

/** A user as the API returns it. */
export const UserViewSchema = z
  .object({
    id: z.int().min(1).describe('Numeric id'),
    name: z.string().describe('Display name, unique'),
    email: z.string().describe('E-mail address, lower-case, unique'),
    createdAt: z.iso.datetime().describe('When the user was created (UTC)'),
    updatedAt: z.iso.datetime().describe('When the user was last changed (UTC)'),
  })
  .meta({ id: 'User', description: 'A user', examples: [USER_EXAMPLE] });

export const UserPageSchema = pageSchema(UserViewSchema, 'UserPage', USER_EXAMPLE);
export const UserCursorPageSchema = cursorPageSchema(UserViewSchema, 'UserCursorPage', USER_EXAMPLE);

/** `POST /users/bulk`: 1–1000 users; an invalid item is a 400 whose issue path starts with its index. */
export const BULK_MAX = 1000;
export const BulkCreateUsersSchema = z
  .array(CreateUserSchema)
  .min(1)
  .max(BULK_MAX)
  .meta({
    id: 'BulkCreateUsers',
    description: `1–${BULK_MAX} users to create together, all or nothing`,
    examples: [
      [
        { name: 'alice', email: 'alice@example.com' },
        { name: 'bob', email: 'bob@example.com' },
      ],
    ],
  });
export const BulkCreatedSchema = z
  .object({
    created: z.int().min(1).describe('How many users were created'),
    ids: z.array(z.int().min(1)).describe('Their ids, in the order of the request'),
  })
  .meta({ id: 'BulkResult', description: 'What a bulk create created', examples: [{ created: 2, ids: [7, 8] }] });

/** `GET /users/stats`, computed in SQL by src/sql/stats.ts. */
export const UserStatsSchema = z
  .object({
    users: z.int().min(0).describe('Users in all'),
    posts: z.int().min(0).describe('Posts in all'),
    topEmailDomains: z
      .array(z.object({ domain: z.string(), users: z.int().min(1) }).meta({ id: 'EmailDomainCount' }))
      .describe('The 10 e-mail domains with the most users, most first'),
  })
  .meta({
    id: 'UserStats',
    description: 'Counts over all users and posts',
    examples: [{ users: 2, posts: 3, topEmailDomains: [{ domain: 'example.com', users: 2 }] }],
  });

export type BulkCreateUsersInput = z.output<typeof BulkCreateUsersSchema>;
export type BulkCreated = z.output<typeof BulkCreatedSchema>;
export type CreateUserInput = z.output<typeof CreateUserSchema>;
export type UpdateUserInput = z.output<typeof UpdateUserSchema>;
export type ListUsersQuery = z.output<typeof ListUsersQuerySchema>;
export type UserView = z.input<typeof UserViewSchema>;
