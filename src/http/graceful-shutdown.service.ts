import type { Server } from 'node:http';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { APP_CONFIG } from '../config/app-config.module.js';
import type { AppConfig } from '../config/env.schema.js';

/**
 * The first step of shutdown (SIGTERM, or `app.close()`): stop accepting connections and let the
 * requests in flight finish, for at most SHUTDOWN_TIMEOUT_MS; then cut what is left.
 *
 * It runs in `onModuleDestroy`, the earliest shutdown hook, because Nest closes the HTTP server
 * only after every hook but the last, while MikroORM closes in that last one
 * (`onApplicationShutdown`): so the ORM is still open for the requests being drained, and no new
 * request starts after this point.
 */
@Injectable()
export class GracefulShutdown implements OnModuleDestroy {
  private readonly logger = new Logger('Shutdown');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleDestroy(): Promise<void> {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server?.listening) return;
    const timeoutMs = this.config.shutdownTimeoutMs;
    // close() releases the listening socket at once (new connections are refused); its callback
    // waits for the open connections to end.
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive connections with no request in flight would otherwise hold close() open.
    server.closeIdleConnections();
    this.logger.log(`stopped accepting connections; waiting up to ${timeoutMs}ms for requests in flight`);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.logger.warn(`requests still running after ${timeoutMs}ms; closing their connections`);
      server.closeAllConnections();
      await drained;
    } else {
      this.logger.log('requests in flight finished');
    }
  }
}
