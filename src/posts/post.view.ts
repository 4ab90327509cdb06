import { entityTag } from '../common/entity-tag.js';
import type { Post } from './post.js';
import type { PostView, PostWithAuthorView } from './posts.schemas.js';

/** Decides the JSON of a post: a plain object, never the managed entity itself. */
export function toPostView(post: Post): PostView {
  return {
    id: post.id,
    title: post.title,
    body: post.body,
    authorId: post.author.id,
    createdAt: post.createdAt.toISOString(),
  };
}

/** The list view: the author must already be loaded (populated), or its name is undefined. */
export function toPostWithAuthorView(post: Post): PostWithAuthorView {
  return { ...toPostView(post), author: { id: post.author.id, name: post.author.name } };
}

/** The post's strong ETag, `"p<id>-v<version>"`. */
export function postETag(post: Post): string {
  return entityTag('p', post.id, post.version);
}
