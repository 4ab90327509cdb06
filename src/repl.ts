import 'reflect-metadata';
import { ConfigError } from './config/config-error.js';
import { loadConfig } from './config/env.schema.js';
import { startReplSession } from './repl-session.js';

/** `npm run repl`: see repl-session.ts. */
try {
  await startReplSession(loadConfig());
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`users-service: ${error.message}`);
  process.exit(1);
}
