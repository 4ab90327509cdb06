import type { Server } from 'node:http';
import type { Application } from 'express';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { APP_CONFIG } from '../config/app-config.module.js';
import type { AppConfig, HttpServerSettings } from '../config/env.schema.js';

/** Node checks the header and request deadlines only this often (its default, 30 s, would let a slowloris stay 40 s). */
const MAX_CHECK_INTERVAL_MS = 1000;

/**
 * Puts the HTTP_* deadlines and limits on Node's server. Node's defaults suit nobody here: a
 * request may take 300 s to arrive, headers 60 s, and connections are unlimited. A client past a
 * deadline gets Node's 408 and its connection closed; past `maxConnections`, a new connection is
 * closed as soon as it is accepted. The listen backlog is not a server property: main.ts passes
 * it to `listen`.
 */
export function applyServerSettings(server: Server, settings: HttpServerSettings): void {
  server.headersTimeout = settings.headersTimeoutMs;
  server.requestTimeout = settings.requestTimeoutMs;
  server.keepAliveTimeout = settings.keepAliveTimeoutMs;
  if (settings.maxConnections > 0) server.maxConnections = settings.maxConnections;
  // Read when the server starts listening, so it must be set before (done here, at bootstrap).
  // Node takes it as a createServer option; it is a plain property of the server all the same.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    MAX_CHECK_INTERVAL_MS,
    Math.ceil(Math.min(settings.headersTimeoutMs, settings.requestTimeoutMs) / 4),
  );
}

/**
 * Applies the settings at bootstrap, after the server exists and before it listens (main.ts and
 * specs alike), with TRUST_PROXY as Express's `trust proxy`.
 */
@Injectable()
export class HttpServerSettingsApplier implements OnApplicationBootstrap {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost.httpAdapter;
    const server = adapter?.getHttpServer() as Server | undefined;
    if (server) applyServerSettings(server, this.config.http);
    // Express's own setting: req.ip (the rate limits' client) then comes from X-Forwarded-For as
    // far back as the trusted proxies go, and from the socket when nothing is trusted.
    adapter?.getInstance<Application>().set('trust proxy', this.config.trustProxy);
  }
}
