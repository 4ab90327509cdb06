import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Test builds only (`TEST_REQUEST_DELAY_MS` with `NODE_ENV=test`, see env.schema.ts): holds every
 * request before its handler, so a process spec can send SIGTERM while one is surely in flight.
 * The log line tells the spec when that moment has come.
 */
export function testDelayMiddleware(delayMs: number) {
  const logger = new Logger('TestDelay');
  return (req: Request, _res: Response, next: NextFunction): void => {
    logger.log(`holding ${req.method} ${req.originalUrl.split('?')[0]} for ${delayMs}ms`);
    sleep(delayMs).then(() => next(), next);
  };
}
