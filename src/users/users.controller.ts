import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { mapPage, type Page } from '../common/pagination.js';
import { IdParamSchema } from '../common/schemas.js';
import { toUserView } from './user.view.js';
import { UsersService } from './users.service.js';
import {
  CreateUserSchema,
  ListUsersQuerySchema,
  UpdateUserSchema,
  type CreateUserInput,
  type ListUsersQuery,
  type UpdateUserInput,
  type UserView,
} from './users.schemas.js';

/** HTTP in, HTTP out: parse with the schemas, call one service method, pick the status. */
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  async create(
    @Body({ schema: CreateUserSchema }) input: CreateUserInput,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UserView> {
    const user = await this.users.create(input);
    res.location(`/users/${user.id}`);
    return toUserView(user);
  }

  @Get()
  async list(@Query({ schema: ListUsersQuerySchema }) query: ListUsersQuery): Promise<Page<UserView>> {
    return mapPage(await this.users.list(query), toUserView);
  }

  @Get(':id')
  async get(@Param('id', { schema: IdParamSchema }) id: number): Promise<UserView> {
    return toUserView(await this.users.get(id));
  }

  @Patch(':id')
  async update(
    @Param('id', { schema: IdParamSchema }) id: number,
    @Body({ schema: UpdateUserSchema }) changes: UpdateUserInput,
  ): Promise<UserView> {
    return toUserView(await this.users.update(id, changes));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', { schema: IdParamSchema }) id: number): Promise<void> {
    await this.users.remove(id);
  }
}
