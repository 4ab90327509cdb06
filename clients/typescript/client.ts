/**
 * The typed client of users-service: openapi-fetch over the types openapi-typescript generated
 * from the service's own document (schema.d.ts). Every path, parameter, body and response is
 * typed; an error response comes back as `error`, typed as the document's `ErrorBody`.
 *
 *   const api = createUsersClient({ baseUrl: 'http://127.0.0.1:3000', token: process.env.API_TOKEN });
 *   const { data, error } = await api.POST('/users', { body: { name: 'admin', email: 'admin@localhost' } });
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type { components, paths };
export type User = components['schemas']['User'];
export type UserPage = components['schemas']['UserPage'];
export type UserCursorPage = components['schemas']['UserCursorPage'];
export type Post = components['schemas']['Post'];
export type PostPage = components['schemas']['PostPage'];
export type PostCursorPage = components['schemas']['PostCursorPage'];
export type PostWithAuthorPage = components['schemas']['PostWithAuthorPage'];
export type PostWithAuthorCursorPage = components['schemas']['PostWithAuthorCursorPage'];
export type ErrorBody = components['schemas']['ErrorBody'];
export type UsersClient = Client<paths>;

export interface UsersClientOptions {
  /** Where the service listens, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** The server's API_TOKEN, sent as `Authorization: Bearer <token>` when given. */
  token?: string;
  /** A fetch of your own (tests pass one that checks each response against the document). */
  fetch?: typeof globalThis.fetch;
}

export function createUsersClient(options: UsersClientOptions): UsersClient {
  return createClient<paths>({
    baseUrl: options.baseUrl,
    headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
