import type { NestExpressApplication } from '@nestjs/platform-express';
import { DOCS_PATH } from '../../src/docs/openapi.js';

export interface RegisteredRoute {
  method: string;
  /** OpenAPI spelling: `/users/{id}`. */
  path: string;
}

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/**
 * Every route the running app answers, read from Express's own router rather than from a list,
 * so routes added later are found too. Left out: the docs page's own routes and path patterns
 * with wildcards (Nest mounts middleware such as MikroORM's request context that way).
 */
export function registeredRoutes(app: NestExpressApplication): RegisteredRoute[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } };
  const routes: RegisteredRoute[] = [];
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    const { path, methods } = layer.route;
    if (path === `/${DOCS_PATH}` || path.startsWith(`/${DOCS_PATH}/`) || path.startsWith(`/${DOCS_PATH}-`)) continue;
    if (path.includes('*')) continue;
    for (const method of Object.keys(methods)) {
      routes.push({ method: method.toUpperCase(), path: path.replace(/:(\w+)/g, '{$1}') });
    }
  }
  return routes;
}
