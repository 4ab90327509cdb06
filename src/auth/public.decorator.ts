import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';

export const IS_PUBLIC = 'auth:public';

/**
 * Opens a route or a whole controller to callers without the API token (health probes).
 * Everything else is closed by default (see bearer-token.guard.ts). In the OpenAPI document the
 * operation gets `security: [{}]`, OpenAPI's spelling of "no credentials needed".
 */
export const Public = (): ClassDecorator & MethodDecorator =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), ApiSecurity({}));
