import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * A caller's id is kept only if it is short and plain, so it cannot forge log lines or blow up
 * headers; anything else is replaced by a fresh UUID.
 */
const ACCEPTED_ID = /^[\w.:@+=-]{1,128}$/;

const requestIds = new WeakMap<Request, string>();

/**
 * Gives every request an id: the caller's `X-Request-Id` when acceptable, a UUID otherwise.
 * The id is echoed in the response header, in the request's log line and in error bodies.
 */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.get(REQUEST_ID_HEADER);
  const id = incoming !== undefined && ACCEPTED_ID.test(incoming) ? incoming : randomUUID();
  requestIds.set(req, id);
  res.setHeader(REQUEST_ID_HEADER, id);
  next();
}

/** The id `requestIdMiddleware` gave this request (undefined before it ran). */
export function requestIdOf(req: Request): string | undefined {
  return requestIds.get(req);
}
