import type { LoggingOptions } from '@mikro-orm/core';
import type { AbortableQueryOptions } from 'kysely';

/**
 * Splits MikroORM's logger context into the abort options it carries and the rest, as MikroORM's
 * own `execute` does: a request's fork has the request's signal (orm/request-signal.ts), and every
 * statement of the request arrives with it. The options go to Kysely with the statement; the log
 * line gets the rest (a signal in a logged object would be serialised into every SQL line).
 */
export function splitAbortOptions(loggerContext: (LoggingOptions & AbortableQueryOptions) | undefined): {
  abort?: AbortableQueryOptions;
  logContext?: LoggingOptions;
} {
  if (loggerContext?.signal == null && loggerContext?.inflightQueryAbortStrategy == null) {
    return { logContext: loggerContext };
  }
  const { signal, inflightQueryAbortStrategy, ...logContext } = loggerContext;
  return { abort: { signal, inflightQueryAbortStrategy }, logContext };
}
