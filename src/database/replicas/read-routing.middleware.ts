import type { NextFunction, Request, Response } from 'express';
import { InvalidRequestError } from '../../common/errors.js';
import { parseLsn } from './lsn.js';
import { type ReadRouting, withReadRouting } from './read-routing.js';
import type { ReplicaMonitor } from './replica-monitor.js';

/** Methods that change nothing: their reads may go to a replica. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The request header a client sends back with the token a write's response gave it. */
export const READ_AFTER_HEADER = 'x-read-after';

/**
 * Decides, as a request starts, where its reads may go (read-routing.ts), and runs the rest of
 * the request with that decision. With `X-Read-After: <token>` it first waits, boundedly, for a
 * replica to replay past the token (ReplicaMonitor.waitForReplay); if none has by then, the
 * request's reads go to the primary. A token that is not a WAL position is a 400.
 */
export function readRoutingMiddleware(monitor: ReplicaMonitor) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const routing: ReadRouting = { primaryOnly: !SAFE_METHODS.has(req.method) };
    const header = req.headers[READ_AFTER_HEADER];
    if (header === undefined || routing.primaryOnly) {
      withReadRouting(routing, next);
      return;
    }
    const lsn = typeof header === 'string' ? parseLsn(header) : undefined;
    if (lsn === undefined) {
      next(
        new InvalidRequestError(
          'X-Read-After must be a consistency token as sent in X-Consistency-Token (such as 0/16B3748)',
        ),
      );
      return;
    }
    routing.readAfter = lsn;
    monitor.waitForReplay(lsn).then(
      () => withReadRouting(routing, next),
      (error: unknown) => next(error),
    );
  };
}
