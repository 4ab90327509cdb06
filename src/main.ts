import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { configureApp } from './app.setup.js';
import { startCluster } from './cluster.js';
import { ConfigError } from './config/config-error.js';
import { loadConfig, type AppConfig } from './config/env.schema.js';

async function bootstrap(config: AppConfig): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bodyParser: false });
  configureApp(app);
  await app.listen(config.port, config.host);
  console.log(`users-service listening on http://${config.host}:${config.port}`);
}

try {
  const config = loadConfig();
  if (!startCluster(config.workers)) await bootstrap(config);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`users-service: ${error.message}`);
  process.exit(1);
}
