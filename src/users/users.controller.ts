import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { mapPage, type Page } from '../common/pagination.js';
import { IdParamSchema } from '../common/schemas.js';
import { ApiErrors } from '../docs/api-errors.decorator.js';
import { headerRef } from '../docs/responses.js';
import { toUserView } from './user.view.js';
import { UsersService } from './users.service.js';
import {
  CreateUserSchema,
  ListUsersQuerySchema,
  UpdateUserSchema,
  UserPageSchema,
  UserViewSchema,
  type CreateUserInput,
  type ListUsersQuery,
  type UpdateUserInput,
  type UserView,
} from './users.schemas.js';

/**
 * HTTP in, HTTP out: parse with the schemas, call one service method, pick the status.
 * The same schemas describe each route in the OpenAPI document (`/docs`).
 */
@ApiTags('users')
@ApiErrors(503)
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a user',
    description: 'Name and e-mail must both be free (409 names the one taken); the e-mail is stored lower-cased.',
  })
  @ApiCreatedResponse({
    description: 'Created; `Location` names the new user',
    standardSchema: UserViewSchema,
    headers: { Location: headerRef('Location') },
  })
  @ApiErrors(400, 409, 413)
  async create(
    @Body({ schema: CreateUserSchema }) input: CreateUserInput,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UserView> {
    const user = await this.users.create(input);
    res.location(`/users/${user.id}`);
    return toUserView(user);
  }

  @Get()
  @ApiOperation({
    summary: 'One page of users ordered by id, optionally filtered',
    description: 'Filters compare exactly (`email` case-insensitively). A page past the last is empty, not a 404.',
  })
  @ApiOkResponse({ description: 'One page of users', standardSchema: UserPageSchema })
  @ApiErrors(400)
  async list(@Query({ schema: ListUsersQuerySchema }) query: ListUsersQuery): Promise<Page<UserView>> {
    return mapPage(await this.users.list(query), toUserView);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One user', description: 'The user with this id, or 404.' })
  @ApiOkResponse({ description: 'The user', standardSchema: UserViewSchema })
  @ApiErrors(400, 404)
  async get(@Param('id', { schema: IdParamSchema }) id: number): Promise<UserView> {
    return toUserView(await this.users.get(id));
  }

  @Patch(':id')
  @ApiOperation({
    summary: "Change a user's name and/or e-mail",
    description: 'Send at least one field; the others keep their values. A taken name or e-mail is a 409.',
  })
  @ApiOkResponse({ description: 'The user as changed', standardSchema: UserViewSchema })
  @ApiErrors(400, 404, 409, 413)
  async update(
    @Param('id', { schema: IdParamSchema }) id: number,
    @Body({ schema: UpdateUserSchema }) changes: UpdateUserInput,
  ): Promise<UserView> {
    return toUserView(await this.users.update(id, changes));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user', description: 'Deletes the user and, with it, their posts.' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404)
  async remove(@Param('id', { schema: IdParamSchema }) id: number): Promise<void> {
    await this.users.remove(id);
  }
}
