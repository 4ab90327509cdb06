import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { configureApp } from './app.setup.js';
import { ConfigError } from './config/config-error.js';
import { loadConfig, type AppConfig } from './config/env.schema.js';

async function bootstrap(config: AppConfig): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bodyParser: false });
  configureApp(app);
  await app.listen(config.port, config.host);
  // The bound address, so PORT=0 (any free port, as the process specs use) is reported truly.
  console.log(`users-service listening on ${await app.getUrl()}`);
}

try {
  await bootstrap(loadConfig());
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`users-service: ${error.message}`);
  process.exit(1);
}
