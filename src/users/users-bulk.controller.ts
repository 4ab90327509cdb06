import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../docs/api-errors.decorator.js';
import { RateLimitAs } from '../http/rate-limit/route-class.js';
import { IDEMPOTENCY_REPLAYED_HEADER, Idempotent } from '../idempotency/idempotent.decorator.js';
import { UsersBulkService } from './users-bulk.service.js';
import {
  BulkCreatedSchema,
  BulkCreateUsersSchema,
  type BulkCreated,
  type BulkCreateUsersInput,
} from './users.schemas.js';

@ApiTags('users')
@ApiErrors(503)
@Controller('users')
export class UsersBulkController {
  constructor(private readonly bulk: UsersBulkService) {}

  @Post('bulk')
  @RateLimitAs('bulk')
  @ApiOperation({
    summary: 'Create 1–1000 users, all or nothing, in one transaction; with `Idempotency-Key`, safe to retry',
    description:
      'An invalid item is a 400 whose issue paths start with its index; a taken value is a 409 naming `field` and `index`, and nothing is stored.',
  })
  @ApiCreatedResponse({
    description: 'All created',
    standardSchema: BulkCreatedSchema,
    headers: IDEMPOTENCY_REPLAYED_HEADER,
  })
  // 409 comes with @Idempotent(): a taken value, or the same key still in flight (Retry-After).
  @ApiErrors(400, 413)
  @Idempotent()
  async createMany(@Body({ schema: BulkCreateUsersSchema }) items: BulkCreateUsersInput): Promise<BulkCreated> {
    const users = await this.bulk.createMany(items);
    return { created: users.length, ids: users.map((user) => user.id) };
  }
}
