import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * A caller's id is kept only if it is short and plain, so it cannot forge log lines or blow up
 * headers; anything else is replaced by a fresh UUID.
 */
const ACCEPTED_ID = /^[\w.:@+=-]{1,128}$/;

/**
 * pino-http's `genReqId`: the caller's `X-Request-Id` when acceptable, a UUID otherwise. The id
 * becomes `req.id`, the `requestId` of every log line the request writes (its SQL lines too), the
 * response header and the `requestId` of error bodies.
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && ACCEPTED_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** The id `assignRequestId` gave this request (undefined when the request never reached the logger). */
export function requestIdOf(req: IncomingMessage): string | undefined {
  const { id } = req as { id?: unknown };
  return typeof id === 'string' ? id : undefined;
}
