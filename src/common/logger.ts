import { ConsoleLogger } from '@nestjs/common';
import { LOG_LEVELS, type AppConfig } from '../config/env.schema.js';

/**
 * Nest's own logger, set from the configuration: `LOG_LEVEL` keeps its level and the more
 * severe ones; `LOG_FORMAT=json` writes one JSON object per line. Colours only on a terminal:
 * escape codes in a log file or a collector are noise.
 */
export function createLogger(config: Pick<AppConfig, 'logLevel' | 'logFormat'>): ConsoleLogger {
  const json = config.logFormat === 'json';
  return new ConsoleLogger({
    logLevels: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.logLevel) + 1),
    json,
    colors: !json && process.stdout.isTTY === true,
  });
}
