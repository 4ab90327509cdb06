import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module.js';
import { PostsController } from './posts.controller.js';
import { PostsService } from './posts.service.js';

/** Posts: the manually mapped `Post` (post.ts + post.schema.ts), its rules and routes. */
@Module({
  imports: [IdempotencyModule],
  controllers: [PostsController],
  providers: [PostsService],
  exports: [PostsService],
})
export class PostsModule {}
