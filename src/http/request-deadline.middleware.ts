import type { NextFunction, Request, Response } from 'express';
import { UnavailableError } from '../common/errors.js';
import { setRequestSignal } from '../database/orm/request-signal.js';
import { requestIdOf } from '../observability/request-id.js';
import { toHttpError } from './http-error.filter.js';

/**
 * REQUEST_TIMEOUT_MS for the whole request. Past the deadline the client is answered at once
 * with a 503 JSON (through the one error switch, with Retry-After) and the request's fork is
 * aborted, so its remaining ORM work stops. When the client goes away before the answer is
 * written, the fork is aborted too. `timeoutMs` 0: no deadline, the abort on disconnect stays.
 */
export function requestDeadlineMiddleware(timeoutMs: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const controller = new AbortController();
    setRequestSignal(controller.signal);
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            const error = new UnavailableError(`the request did not finish within ${timeoutMs} ms, try again`);
            controller.abort(error);
            if (res.headersSent) return;
            const { body, headers } = toHttpError(error);
            res
              .set(headers)
              .status(body.statusCode)
              .json({ ...body, requestId: requestIdOf(req) });
          }, timeoutMs)
        : undefined;
    timer?.unref();
    res.once('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) controller.abort(new Error('the client went away'));
    });
    next();
  };
}
