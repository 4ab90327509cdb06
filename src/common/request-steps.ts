import type { NextFunction, Request, Response } from 'express';

/** One step of the per-request chain: an Express middleware. */
export type RequestStep = (req: Request, res: Response, next: NextFunction) => void;

/**
 * The steps of the per-request chain, run in order as one Express middleware.
 *
 * Each middleware Nest mounts is its own Express layer (a path match), behind Nest's proxy and
 * its once-per-request check. Chained here the rooms' six steps are one layer: 5.5 % fewer
 * instructions per `GET /users/:id` (`npm run bench:instructions`), and router, path-to-regexp
 * and @nestjs/core down from 11.3 to 7.4 % of its profile (bench/results/profile-*.txt). Each step
 * still calls `next` inside whatever context it opened (the request's fork, its read routing),
 * so the steps after it and the route handler run inside it. A step that fails (throws or calls
 * `next(error)`) ends the chain; Express hands the error to Nest's error handler, the one filter.
 */
export function chainRequestSteps(steps: readonly RequestStep[]): RequestStep {
  if (steps.length === 1) return steps[0];
  return (req, res, done) => {
    let index = 0;
    const next: NextFunction = (error?: unknown) => {
      if (error !== undefined && error !== null) {
        done(error);
        return;
      }
      const step = steps[index++];
      if (step === undefined) {
        done();
        return;
      }
      try {
        step(req, res, next);
      } catch (thrown) {
        done(thrown);
      }
    };
    next();
  };
}
