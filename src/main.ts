import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { configureApp } from './app.factory.js';
import { startCluster } from './cluster.js';
import { ConfigError } from './config/config-error.js';
import { loadConfig, type AppConfig } from './config/env.schema.js';
import { exitOnFatalError } from './observability/fatal-error.js';

/**
 * Creates, initialises and starts the app with every log held back (`bufferLogs`) until it
 * listens: a start that fails (an unreachable database, a port in use, migrations behind) prints
 * one line and nothing before it; a start that succeeds then writes the held lines through pino.
 */
async function bootstrap(config: AppConfig): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    bufferLogs: true,
    // Nest would flush the held lines to its console logger when init fails, or before ours is set.
    autoFlushLogs: false,
    // A failing provider must reach our catch below, not abort the process with Nest's own output.
    abortOnError: false,
  });
  configureApp(app);
  await app.init();
  await listen(app, config);
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.flushLogs();
  exitOnFatalError(logger);
  if (config.testFatalSignal) {
    // Test builds only: a bug nobody caught, thrown outside any request, on the spec's signal.
    process.once(config.testFatalSignal, () =>
      setImmediate(() => {
        throw new Error(`test-only fatal error (TEST_FATAL_SIGNAL=${config.testFatalSignal})`);
      }),
    );
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  logger.log(`users-service listening on http://${config.host}:${port} (docs at /docs)`, 'Main');
}

/** Nest's `listen` hands its arguments on to Node's `server.listen(port, host, backlog)`; its types name two. */
type ListenWithBacklog = (port: number, host: string, backlog: number) => Promise<unknown>;

/** `app.listen`, with the errors an operator can fix said in one line. */
async function listen(app: NestExpressApplication, config: AppConfig): Promise<void> {
  try {
    // The backlog (HTTP_BACKLOG) queues a burst of connections until they are accepted; the
    // kernel caps it at net.core.somaxconn. With WORKERS>1 the primary listens with the workers' value.
    await (app.listen as unknown as ListenWithBacklog).call(app, config.port, config.host, config.http.backlog);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new ConfigError(`cannot listen on ${config.host}:${config.port}: the port is in use (set PORT)`);
    if (code === 'EADDRNOTAVAIL')
      throw new ConfigError(`cannot listen on ${config.host}: no such local address (set HOST)`);
    if (code === 'EACCES')
      throw new ConfigError(`cannot listen on ${config.host}:${config.port}: permission denied (set PORT)`);
    throw error;
  }
}

/** One line on stderr, exit 1: what the operator must fix, or what went wrong with no stack trace. */
function failedToStart(error: unknown): never {
  const message =
    error instanceof ConfigError
      ? error.message
      : `failed to start: ${error instanceof Error ? error.message : String(error)}`;
  console.error(`users-service: ${message.split('\n')[0]}`);
  process.exit(1);
}

try {
  const config = loadConfig();
  if (!startCluster(config.workers)) await bootstrap(config);
} catch (error) {
  failedToStart(error);
}
