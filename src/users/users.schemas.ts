import { z } from 'zod';
import { cursorPageSchema, PageQuerySchema, pageSchema } from '../common/pagination.js';
import { text } from '../common/schemas.js';
import { USER_EMAIL_MAX, USER_NAME_MAX } from './user.entity.js';

/**
 * `local@domain`: no spaces, exactly one `@`, something on both sides. A single-label domain
 * such as the seed's `admin@localhost` is valid, so no dot is required.
 */
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

export const UserNameSchema = text({ min: 1, max: USER_NAME_MAX }).describe('Display name, 1–50 characters, unique');

export const UserEmailSchema = text({ min: 3, max: USER_EMAIL_MAX })
  .refine((value) => EMAIL_SHAPE.test(value), 'must look like local@domain')
  .transform((value) => value.toLowerCase())
  .describe('E-mail address, stored lower-cased, unique');

/** `POST /users`. Unknown properties are rejected, not ignored. */
export const CreateUserSchema = z.strictObject({ name: UserNameSchema, email: UserEmailSchema });

/** `PATCH /users/:id`: any of the fields, at least one. */
export const UpdateUserSchema = z
  .strictObject({ name: UserNameSchema.optional(), email: UserEmailSchema.optional() })
  .refine((value) => value.name !== undefined || value.email !== undefined, 'give at least one of name, email');

/** `GET /users` query: a page, optionally filtered by exact name or email. */
export const ListUsersQuerySchema = PageQuerySchema.extend({
  name: z.string().max(200).optional().describe('Exact name'),
  email: z.string().max(200).optional().describe('Exact e-mail, case-insensitive'),
});

/** A user as the API returns it. */
export const UserViewSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  email: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const UserPageSchema = pageSchema(UserViewSchema);
export const UserCursorPageSchema = cursorPageSchema(UserViewSchema);

/** `POST /users/bulk`: 1–1000 users; an invalid item is a 400 whose issue path starts with its index. */
export const BULK_MAX = 1000;
export const BulkCreateUsersSchema = z.array(CreateUserSchema).min(1).max(BULK_MAX);
export const BulkCreatedSchema = z.object({ created: z.number().int(), ids: z.array(z.number().int()) });

/** `GET /users/stats`, computed in SQL by src/sql/stats.ts. */
export const UserStatsSchema = z.object({
  users: z.number().int(),
  posts: z.number().int(),
  topEmailDomains: z.array(z.object({ domain: z.string(), users: z.number().int() })),
});

export type BulkCreateUsersInput = z.output<typeof BulkCreateUsersSchema>;
export type BulkCreated = z.output<typeof BulkCreatedSchema>;
export type CreateUserInput = z.output<typeof CreateUserSchema>;
export type UpdateUserInput = z.output<typeof UpdateUserSchema>;
export type ListUsersQuery = z.output<typeof ListUsersQuerySchema>;
export type UserView = z.input<typeof UserViewSchema>;
