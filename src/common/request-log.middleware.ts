import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { requestIdOf } from './request-id.middleware.js';

/** What one request's log line says. */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number | 'aborted';
  durationMs: number;
  requestId: string | undefined;
}

/**
 * One log line per request, written when the response is done (or the client went away).
 * The query string is left out: it can carry personal data such as an e-mail filter.
 * With `json`, the line's `message` is the entry itself, for log shippers to index.
 */
export function requestLogMiddleware(format: 'text' | 'json') {
  const logger = new Logger('HTTP');
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const entry: RequestLogEntry = {
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: res.writableFinished ? res.statusCode : 'aborted',
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 10_000) / 100,
        requestId: requestIdOf(req),
      };
      if (format === 'json') logger.log(entry);
      else logger.log(`${entry.method} ${entry.path} ${entry.status} ${entry.durationMs}ms id=${entry.requestId}`);
    });
    next();
  };
}
