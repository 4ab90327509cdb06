import type { REPLEval, REPLServer, ReplOptions } from 'node:repl';
import { MikroORM } from '@mikro-orm/core';
import { repl } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { inOwnContext } from './database/orm/own-context.js';
import type { AppConfig } from './config/env.schema.js';
import { Post } from './posts/post.js';
import { User } from './users/user.entity.js';

const HINT =
  "em (a forked EntityManager), orm, User, Post and fork() are ready; Nest's get(), methods() and debug() too. " +
  'Each line runs in a request context of its own, so services work as in a request.';

/**
 * The Nest REPL on the application context, set up for the Flask page's interactive session.
 * `em` is a fork of its own (the page's `db_session`): the global EntityManager refuses work
 * (`allowGlobalContext` is off), and a fork keeps the session's identity map apart from
 * everything else. `fork()` swaps in a fresh one.
 */
export async function startReplSession(config: AppConfig, options: ReplOptions = {}): Promise<REPLServer> {
  // No prompt until the session's names are in place, so the hint is not printed after one.
  const server = await repl(AppModule.forRoot(config), { ...options, prompt: '' });
  const get = server.context.get as (token: unknown) => unknown;
  const orm = get(MikroORM) as MikroORM;
  Object.assign(server.context, {
    orm,
    em: orm.em.fork(),
    User,
    Post,
    fork: () => (server.context.em = orm.em.fork()),
  });
  // Each line is evaluated in a request context of its own, as an HTTP request would be: services
  // (`await get(UsersService).get(1)`) find their EntityManager, and nothing reaches the global one.
  const evaluate = server.eval;
  const inContext: REPLEval = (code, context, file, callback) =>
    inOwnContext(orm, () => evaluate.call(server, code, context, file, callback));
  (server as { eval: REPLEval }).eval = inContext;
  server.output.write(`${HINT}\n`);
  server.setPrompt(options.prompt ?? '> ');
  server.displayPrompt();
  return server;
}
