import { STATUS_CODES } from 'node:http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { ErrorBody } from '../common/error-body.schema.js';
import { DomainError } from '../common/errors.js';
import { translateDbError } from '../database/errors.js';
import { requestIdOf } from '../observability/request-id.js';

export type { ErrorBody } from '../common/error-body.schema.js';

/** An error response: its body and the headers its status calls for. */
export interface HttpError {
  body: ErrorBody;
  headers: Record<string, string>;
}

function answer(
  statusCode: number,
  message: string,
  extra: Partial<ErrorBody> = {},
  headers: Record<string, string> = {},
): HttpError {
  return { body: { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, ...extra }, headers };
}

/**
 * The one switch from errors to HTTP. A domain error (ours, or a database error translated by
 * database/errors.ts) carries its own status; Nest's HttpExceptions and Express's body-parser
 * errors keep theirs; anything else is a 500 that reveals nothing.
 */
export function toHttpError(error: unknown): HttpError {
  const domain = error instanceof DomainError ? error : translateDbError(error);
  if (domain) {
    const hidden = domain.status >= 500 && !domain.exposeMessage;
    return answer(domain.status, hidden ? 'internal server error' : domain.message, domain.details(), domain.headers());
  }
  if (error instanceof HttpException) return fromNest(error);
  const parser = bodyParserError(error);
  if (parser) return answer(parser.status, bodyParserMessage(parser));
  return answer(500, 'internal server error');
}

function fromNest(error: HttpException): HttpError {
  const status = error.getStatus();
  const response = error.getResponse();
  const message =
    typeof response === 'object' && response !== null && 'message' in response
      ? [response.message].flat().join('; ')
      : error.message;
  return answer(status, status >= 500 ? 'internal server error' : message);
}

interface BodyParserError {
  status: number;
  type: string;
  /** For `entity.too.large`: the limit of the parser that refused, in bytes. */
  limit?: number;
}

/**
 * Express's body parser reports its own failures with a `status` and a `type`
 * (`entity.parse.failed`, `entity.too.large`, `encoding.unsupported`, …).
 */
function bodyParserError(error: unknown): BodyParserError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, type, limit } = error as { status?: unknown; type?: unknown; limit?: unknown };
  if (typeof type !== 'string' || typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  return { status, type, limit: typeof limit === 'number' ? limit : undefined };
}

function bodyParserMessage(error: BodyParserError): string {
  if (error.status === 413) return `request body too large (limit ${formatBytes(error.limit)})`;
  if (error.status === 415) return 'unsupported body encoding or charset';
  return 'malformed JSON body';
}

/** 102400 → `100 kB`, 1048576 → `1 MB`: the limit as the route's parser was configured. */
function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return 'unknown';
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} kB`;
  return `${bytes} bytes`;
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const { body, headers } = toHttpError(error);
    const payload = { ...body, requestId: requestIdOf(request) };
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
    response.set(headers).status(payload.statusCode).json(payload);
  }
}
