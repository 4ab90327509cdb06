import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../docs/api-errors.decorator.js';
import { RateLimitAs } from '../http/rate-limit/route-class.js';
import { UsersBulkService } from './users-bulk.service.js';
import {
  BulkCreatedSchema,
  BulkCreateUsersSchema,
  type BulkCreated,
  type BulkCreateUsersInput,
} from './users.schemas.js';

@ApiTags('users')
@Controller('users')
export class UsersBulkController {
  constructor(private readonly bulk: UsersBulkService) {}

  @Post('bulk')
  @RateLimitAs('bulk')
  @ApiOperation({ summary: 'Create 1–1000 users, all or nothing, in one transaction' })
  @ApiCreatedResponse({ standardSchema: BulkCreatedSchema })
  @ApiErrors(400, 409, 413)
  async createMany(@Body({ schema: BulkCreateUsersSchema }) items: BulkCreateUsersInput): Promise<BulkCreated> {
    const users = await this.bulk.createMany(items);
    return { created: users.length, ids: users.map((user) => user.id) };
  }
}
