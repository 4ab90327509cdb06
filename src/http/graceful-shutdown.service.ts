import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { APP_CONFIG } from '../config/app-config.module.js';
import type { AppConfig } from '../config/env.schema.js';
import { ShutdownState } from './shutdown-state.js';

/** While draining, how often keep-alive connections that went idle are closed. */
const IDLE_SWEEP_MS = 50;

/**
 * Shutdown (SIGTERM, or `app.close()`) that drains keep-alive traffic without cutting an answer:
 * 1. readiness turns 503 (ShutdownState) and from then on every response carries
 *    `Connection: close`, so each keep-alive client moves off after its current request;
 * 2. after SHUTDOWN_DELAY_MS (default 0; time for a balancer to see the 503), the port closes:
 *    new connections are refused;
 * 3. connections with no request in flight are closed, then and whenever one goes idle (those
 *    whose last answer went out before shutdown are still keep-alive); a connection with a
 *    request in flight is left alone until its answer is written;
 * 4. what still runs after SHUTDOWN_TIMEOUT_MS is cut.
 * A request is either read before its connection closes, and then answered, or never read: a
 * client can see a reset only for a request the service never started, so never for a committed
 * write (step 4 aside).
 *
 * It runs in `onModuleDestroy`, the earliest shutdown hook, because Nest closes the HTTP server
 * only after every hook but the last, while MikroORM closes in that last one
 * (`onApplicationShutdown`): so the ORM is still open for the requests being drained.
 */
@Injectable()
export class GracefulShutdown implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Shutdown');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly state: ShutdownState,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    // Ahead of Express, so it covers every response, including Nest's 404s and the docs.
    this.server()?.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
      if (this.state.shuttingDown) res.setHeader('Connection', 'close');
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.state.begin();
    const server = this.server();
    if (!server?.listening) return;
    const { shutdownDelayMs: delayMs, shutdownTimeoutMs: timeoutMs } = this.config;
    this.logger.log(`shutting down: readiness is 503, answers close their connection; the port closes in ${delayMs}ms`);
    // During the delay, an idle keep-alive connection still carries one more request (answered
    // with `Connection: close`) rather than being closed under a request already on its way.
    if (delayMs > 0) await sleep(delayMs);
    // close() releases the listening socket at once; its callback waits for every connection to end.
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    server.closeIdleConnections();
    this.logger.log(`stopped accepting connections; waiting up to ${timeoutMs}ms for requests in flight`);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    clearInterval(sweep);
    if (outcome === 'timeout') {
      this.logger.warn(`requests still running after ${timeoutMs}ms; closing their connections`);
      server.closeAllConnections();
      await drained;
    } else {
      this.logger.log('requests in flight finished');
    }
  }

  private server(): Server | undefined {
    return this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
  }
}
