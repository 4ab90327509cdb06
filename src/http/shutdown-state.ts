import { Global, Injectable, Module } from '@nestjs/common';

/**
 * Whether this process has begun to shut down (SIGTERM received). Set once by GracefulShutdown,
 * read by readiness (the health module answers 503 from then on, so a balancer stops routing
 * here) and by the server's request listener (every response then says `Connection: close`).
 */
@Injectable()
export class ShutdownState {
  private startedAt: number | undefined;

  /** True from the moment shutdown began. */
  get shuttingDown(): boolean {
    return this.startedAt !== undefined;
  }

  /** Marks the start of shutdown; later calls change nothing. */
  begin(): void {
    this.startedAt ??= Date.now();
  }
}

/**
 * Makes ShutdownState injectable everywhere (readiness lives in the health module). A module of its
 * own, with no middleware: a global HttpModule would move its body parsers ahead of the request ids.
 */
@Global()
@Module({ providers: [ShutdownState], exports: [ShutdownState] })
export class ShutdownStateModule {}
