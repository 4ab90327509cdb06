import { EntitySchema } from '@mikro-orm/core';
import { User } from '../users/user.entity.js';
import { Post, POST_TITLE_MAX } from './post.js';

/**
 * The table half of the manual mapping (the page's `Table('posts', metadata, ...)` and
 * `mapper()`): MikroORM maps the plain `Post` class through this schema, no decorators.
 *
 * `author` cascades on delete in the database itself, so deleting a user removes their posts in
 * the very statement (hence the same transaction) that removes the user, whoever deletes it.
 */
export const PostSchema = new EntitySchema<Post>({
  class: Post,
  tableName: 'posts',
  // The newest-first listing walks this index backwards instead of sorting the table.
  indexes: [{ name: 'posts_created_at_id_index', properties: ['createdAt', 'id'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    title: { type: 'string', length: POST_TITLE_MAX },
    // `text`: the 10 000 character limit is the request schema's; the column does not need one.
    body: { type: 'text' },
    author: { kind: 'm:1', entity: () => User, deleteRule: 'cascade', index: 'posts_author_id_index' },
    createdAt: { type: 'Date', onCreate: () => new Date() },
    // MikroORM's optimistic lock: every UPDATE bumps it and checks the old value in the same statement.
    version: { type: 'integer', version: true },
  },
});
