import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from './env.schema.js';

/** Injection token of the typed configuration parsed once by `loadConfig()`. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** Makes the parsed configuration injectable everywhere (`@Inject(APP_CONFIG)`). */
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      global: true,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
