import { type REPLEval, type REPLServer, type ReplOptions, start } from 'node:repl';
import { MikroORM } from '@mikro-orm/core';
import { NestFactory } from '@nestjs/core';
import { assignToObject } from '@nestjs/core/repl/assign-to-object.util.js';
import { ReplContext } from '@nestjs/core/repl/repl-context.js';
import { defineDefaultCommandsOnRepl } from '@nestjs/core/repl/repl-native-commands.js';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/env.schema.js';
import { inOwnContext } from './database/orm/own-context.js';
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
 *
 * Built from Nest's REPL parts (its context with get()/methods()/debug(), its commands) rather
 * than `repl()`, which logs through a console logger of its own: here the app logs through pino
 * like the server, so LOG_LEVEL and LOG_FORMAT apply.
 */
export async function startReplSession(config: AppConfig, options: ReplOptions = {}): Promise<REPLServer> {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    bufferLogs: true,
    autoFlushLogs: false,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  await app.init();
  const orm: MikroORM = app.get(MikroORM);
  const server = start({ ignoreUndefined: true, ...options, prompt: '' });
  assignToObject(server.context, new ReplContext(app).globalScope);
  defineDefaultCommandsOnRepl(server);
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
  server.on('exit', () => void app.close());
  server.output.write(`${HINT}\n`);
  server.setPrompt(options.prompt ?? '> ');
  server.displayPrompt();
  return server;
}
