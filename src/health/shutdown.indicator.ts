import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ShutdownState } from '../http/shutdown-state.js';

/** Readiness goes down the moment shutdown begins, before the port closes, so balancers stop routing here. */
@Injectable()
export class ShutdownIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly state: ShutdownState,
  ) {}

  check(): HealthIndicatorResult<'shutdown'> {
    const session = this.indicators.check('shutdown');
    return this.state.shuttingDown ? session.down({ message: 'shutting down' }) : session.up();
  }
}
