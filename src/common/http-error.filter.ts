import { STATUS_CODES } from 'node:http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { translateDbError } from '../database/db-errors.js';
import type { ErrorBody } from './error-body.schema.js';
import {
  DomainError,
  DuplicateError,
  InvalidRequestError,
  NotFoundError,
  StatementBudgetError,
  UnauthorizedError,
  UnavailableError,
} from './errors.js';
import { requestIdOf } from './request-id.middleware.js';
import { RequestValidationError } from './validation.js';

export type { ErrorBody } from './error-body.schema.js';

function body(statusCode: number, message: string, extra: Partial<ErrorBody> = {}): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, ...extra };
}

/** The one switch from errors to HTTP. Anything it does not recognise is a 500 that reveals nothing. */
export function toHttpError(error: unknown): ErrorBody {
  const domain = error instanceof DomainError ? error : translateDbError(error);
  if (domain) return fromDomain(domain);
  if (error instanceof RequestValidationError) return body(400, error.message, { issues: error.issues });
  if (error instanceof HttpException) return fromNest(error);
  const parserStatus = bodyParserStatus(error);
  if (parserStatus) return body(parserStatus, bodyParserMessage(parserStatus));
  return body(500, 'internal server error');
}

function fromDomain(error: DomainError): ErrorBody {
  if (error instanceof NotFoundError) return body(404, error.message);
  if (error instanceof DuplicateError) {
    return body(409, error.message, { field: error.field, ...(error.index !== undefined ? { index: error.index } : {}) });
  }
  if (error instanceof InvalidRequestError) return body(400, error.message);
  if (error instanceof UnauthorizedError) return body(401, error.message);
  if (error instanceof UnavailableError) return body(503, error.message);
  if (error instanceof StatementBudgetError) return body(500, error.message);
  return body(500, 'internal server error');
}

function fromNest(error: HttpException): ErrorBody {
  const status = error.getStatus();
  const response = error.getResponse();
  const message =
    typeof response === 'object' && response !== null && 'message' in response
      ? [response.message].flat().join('; ')
      : error.message;
  return body(status, status >= 500 ? 'internal server error' : message);
}

/**
 * Express's body parser reports its own failures with a `status` and a `type`
 * (`entity.parse.failed`, `entity.too.large`, `encoding.unsupported`, …).
 */
function bodyParserStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, type } = error as { status?: unknown; type?: unknown };
  if (typeof type !== 'string' || typeof status !== 'number') return undefined;
  return status >= 400 && status < 500 ? status : undefined;
}

function bodyParserMessage(status: number): string {
  if (status === 413) return 'request body too large (limit 100 kB)';
  if (status === 415) return 'unsupported body encoding or charset';
  return 'malformed JSON body';
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const payload = { ...toHttpError(error), requestId: requestIdOf(request) };
    if (payload.statusCode >= 500) {
      // The details stay in the log, under the request id the client was given.
      this.logger.error(
        `${request.method} ${request.originalUrl.split('?')[0]} failed (id=${payload.requestId})`,
        error instanceof Error ? error.stack : String(error),
      );
    }
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response.status(payload.statusCode).json(payload);
  }
}
