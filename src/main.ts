import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module.js';
import { configureApp } from './app.factory.js';
import { createLogger } from './observability/logger.js';
import { startCluster } from './cluster.js';
import { ConfigError } from './config/config-error.js';
import { loadConfig, type AppConfig } from './config/env.schema.js';

async function bootstrap(config: AppConfig): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: createLogger(config),
  });
  configureApp(app);
  await app.listen(config.port, config.host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  new Logger('Main').log(`users-service listening on http://${config.host}:${port} (docs at /docs)`);
}

try {
  const config = loadConfig();
  if (!startCluster(config.workers)) await bootstrap(config);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`users-service: ${error.message}`);
  process.exit(1);
}
