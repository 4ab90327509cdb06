import { Injectable } from '@nestjs/common';
import type { HealthIndicatorFunction } from '@nestjs/terminus';

/**
 * The checks GET /health/ready runs besides the database's. Another module adds its own (a
 * replica's lag, a shutdown in progress) by importing HealthModule and calling `add()` once,
 * e.g. in `onModuleInit`; each check is a terminus indicator: it resolves `{ [name]: { status:
 * 'up' } }` or throws a HealthCheckError / returns `down`. Liveness never runs them.
 */
@Injectable()
export class ReadinessChecks {
  private readonly checks = new Map<string, HealthIndicatorFunction>();

  /** Registers (or replaces) the check called `name`. */
  add(name: string, check: HealthIndicatorFunction): void {
    this.checks.set(name, check);
  }

  all(): HealthIndicatorFunction[] {
    return [...this.checks.values()];
  }
}
