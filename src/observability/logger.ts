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
    colors: !json && isTerminal(),
  });
}

/** `isTTY` is typed boolean but is undefined, not false, when stdout is a pipe or a file. */
function isTerminal(): boolean {
  const { isTTY } = process.stdout as { isTTY?: boolean };
  return isTTY === true;
}
