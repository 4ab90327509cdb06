import { Body, Controller, Post } from '@nestjs/common';
import { z } from 'zod';
import { CreateUserSchema } from './users.schemas.js';
import { BULK_MAX, UsersBulkService } from './users-bulk.service.js';

/** `POST /users/bulk`: 1–1000 `{ name, email }`; an invalid item is a 400 whose issue path starts with its index. */
export const BulkCreateUsersSchema = z.array(CreateUserSchema).min(1).max(BULK_MAX);

export const BulkCreatedSchema = z.object({ created: z.number().int(), ids: z.array(z.number().int()) });

export type BulkCreateUsersInput = z.output<typeof BulkCreateUsersSchema>;
export type BulkCreated = z.output<typeof BulkCreatedSchema>;

@Controller('users')
export class UsersBulkController {
  constructor(private readonly bulk: UsersBulkService) {}

  @Post('bulk')
  async createMany(@Body({ schema: BulkCreateUsersSchema }) items: BulkCreateUsersInput): Promise<BulkCreated> {
    const users = await this.bulk.createMany(items);
    return { created: users.length, ids: users.map((user) => user.id) };
  }
}
