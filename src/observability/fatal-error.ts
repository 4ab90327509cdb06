import type { LoggerService } from '@nestjs/common';

/**
 * A fatal error (an exception or a rejection nothing handled) is logged as one `fatal` line and
 * the process exits with code 1, so the orchestrator restarts it. No line is lost on the way out:
 * pino's asynchronous destination writes what it still buffers synchronously when the process
 * exits (as on SIGTERM), and the text format's transport does the same. Installed by `main.ts`
 * only: a test runner keeps its own handlers.
 */
export function exitOnFatalError(logger: LoggerService): void {
  const die = (error: unknown) => {
    logger.fatal?.(error instanceof Error ? error : new Error(String(error)), 'Fatal');
    process.exit(1);
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
}
