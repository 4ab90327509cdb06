import type { IncomingMessage } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Params } from 'nestjs-pino';
import pino, { type DestinationStream, type Level } from 'pino';
import type { Options } from 'pino-http';
import type { AppConfig, LogLevelName } from '../config/env.schema.js';
import { requestLogEntry } from './http-request-figures.js';
import { assignRequestId, requestIdOf } from './request-id.js';

/** LOG_LEVEL keeps Nest's names (the service's logger is Nest's); pino's equivalents. */
export const PINO_LEVELS: Record<LogLevelName, Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** Fields the text format prints inside its message, so it does not repeat them as JSON. */
const SHOWN_IN_TEXT = [
  'pid',
  'hostname',
  'context',
  'requestId',
  'figures',
  'method',
  'path',
  'route',
  'status',
  'durationMs',
  'dbStatements',
  'dbEntities',
];

/** Lines are written in batches of at least this many bytes (about 15 request lines)… */
const LOG_BATCH_BYTES = 4096;
/** …or every this many milliseconds, so a quiet service's lines still show at once. */
const LOG_FLUSH_MS = 100;

/**
 * Where the JSON lines go: stdout through an asynchronous SonicBoom, so a request never waits for
 * the write (Nest's ConsoleLogger wrote synchronously: 8 % of a request in the profile). Under
 * load the lines go out in batches (one write system call for many lines instead of one each,
 * each write a round trip through libuv's thread pool); pino writes what it still holds
 * synchronously when the process exits (SIGTERM, a fatal error), so batching loses no line then.
 */
export function createLogDestination(): pino.DestinationStream & { flushSync(): void } {
  return pino.destination({ dest: 1, sync: false, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS });
}

export interface LogSettings {
  config: Pick<AppConfig, 'logLevel' | 'logFormat'>;
  /** Where JSON lines go: stdout's asynchronous destination, or a spec's collector; none for `text`. */
  destination: DestinationStream | undefined;
}

/**
 * nestjs-pino's parameters: one pino logger for the app's own lines (Nest's Logger calls, the SQL
 * of DB_DEBUG) and, through pino-http, one line per request when its response is done, carrying
 * the request id and its unit of work's figures. Request-scoped lines (the request line, SQL
 * lines, warnings and errors logged during the request) carry `requestId` because nestjs-pino
 * binds each request's child logger in its AsyncLocalStorage.
 *
 * `LOG_FORMAT=text` pretty-prints through pino-pretty in a worker thread (pino's transport), for
 * development; `json` (the production default) writes plain JSON lines.
 */
export function loggerParams({ config, destination }: LogSettings): Params {
  const level = PINO_LEVELS[config.logLevel];
  const text = config.logFormat === 'text';
  const options: Options = {
    level,
    // Level names instead of pino's numbers, for people and collectors alike.
    formatters: { level: (label) => ({ level: label }) },
    genReqId: (req, res) => assignRequestId(req, res),
    // One child logger per request, binding only the request id: pino-http binds the request under
    // its `req` key, renamed `requestId` here and serialised to the id alone (never the headers).
    // Not `quietReqLogger`: that makes a child binding the id and, always, a child of that child
    // binding the request; every request's first child then became a prototype of its own, so the
    // loggers' hidden classes differed per request (about 60 000 instructions per request more;
    // README "Instructions per request").
    customAttributeKeys: { req: 'requestId' },
    wrapSerializers: false,
    serializers: { requestId: boundRequestId, res: () => undefined, err: pino.stdSerializers.err },
    // Below `info` no request line is written: skip building it too.
    autoLogging: pino.levels.values[level] <= pino.levels.values.info,
    customLogLevel: () => 'info',
    customSuccessObject: (req, res) => requestLine(req as Request, res as Response, text),
    customErrorObject: (req, res) => requestLine(req as Request, res as Response, text),
    customSuccessMessage: (req, res) => requestMessage(req as Request, res as Response),
    customErrorMessage: (req, res) => requestMessage(req as Request, res as Response),
    ...(text ? { transport: prettyTransport() } : {}),
  };
  return {
    pinoHttp: text || destination === undefined ? options : [options, destination],
    // Every path, unmatched ones (404s) included.
    forRoutes: [{ path: '{/*splat}', method: RequestMethod.ALL }],
  };
}

/** pino-http binds the request itself; its child logger keeps the id (a string logged as `requestId` passes as is). */
function boundRequestId(value: unknown): string | undefined {
  return typeof value === 'string' ? value : requestIdOf(value as IncomingMessage);
}

/** The request's entry, minus `requestId`, which the request's logger already binds. */
function requestLine(req: Request, res: Response, text: boolean): object {
  const { requestId: _bound, ...entry } = requestLogEntry(req, res);
  return {
    context: 'HTTP',
    ...entry,
    ...(text ? { figures: `dbStatements=${entry.dbStatements} dbEntities=${entry.dbEntities}` } : {}),
  };
}

function requestMessage(req: Request, res: Response): string {
  const entry = requestLogEntry(req, res);
  return `${entry.method} ${entry.path} ${entry.status} ${entry.durationMs}ms`;
}

function prettyTransport(): NonNullable<Options['transport']> {
  const { isTTY } = process.stdout as { isTTY?: boolean };
  return {
    target: 'pino-pretty',
    options: {
      colorize: isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
      singleLine: true,
      ignore: SHOWN_IN_TEXT.join(','),
      messageFormat: '{if context}[{context}] {end}{msg}{if requestId} id={requestId}{end}{if figures} {figures}{end}',
    },
  };
}
