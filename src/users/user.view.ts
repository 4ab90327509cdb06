import { entityTag } from '../common/entity-tag.js';
import type { User } from './user.entity.js';
import type { UserView } from './users.schemas.js';

/** Decides the JSON of a user: a plain object, never the managed entity itself. */
export function toUserView(user: User): UserView {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

/** The user's strong ETag, `"u<id>-v<version>"`: it changes with every committed update. */
export function userETag(user: User): string {
  return entityTag('u', user.id, user.version);
}
