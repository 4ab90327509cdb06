import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { IdempotencyModule } from '../idempotency/idempotency.module.js';
import { User } from './user.entity.js';
import { UsersBulkController } from './users-bulk.controller.js';
import { UsersBulkService } from './users-bulk.service.js';
import { UsersController } from './users.controller.js';
import { UsersReportsController } from './users-reports.controller.js';
import { UsersService } from './users.service.js';

/** Everything about users: the entity's repository, the rules and the HTTP routes. */
@Module({
  imports: [MikroOrmModule.forFeature([User]), IdempotencyModule],
  // Order matters: Express matches routes in registration order, so the fixed paths
  // (/users/stats, /users/export, /users/bulk) must come before UsersController's /users/:id.
  controllers: [UsersReportsController, UsersBulkController, UsersController],
  providers: [UsersService, UsersBulkService],
  exports: [UsersService],
})
export class UsersModule {}
