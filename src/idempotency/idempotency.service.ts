import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/sql';
import { IdempotencyInFlightError, IdempotencyKeyReusedError } from '../common/errors.js';
import { APP_CONFIG } from '../config/app-config.module.js';
import type { AppConfig } from '../config/env.schema.js';
import { IdempotencyKey } from './idempotency-key.entity.js';

/**
 * How long a claim holds without its response: past it, the request that claimed the key is
 * taken for dead (its process was killed mid-work, which rolled its work back) and a retry may
 * take the key over. Longer than any request runs (SHUTDOWN_TIMEOUT_MS, the pool's timeouts).
 */
export const CLAIM_LEASE_MS = 60_000;

/** What a client retrying an in-flight key is told to wait, in seconds. */
const RETRY_AFTER_SECONDS = 1;

/** Expired rows are deleted at most this often per process, by the next request that claims a key. */
const SWEEP_INTERVAL_MS = 60_000;

/** A response as it is stored and replayed. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type Claim = { kind: 'claimed'; owner: string } | { kind: 'replay'; response: StoredResponse };

/**
 * The database side of `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header): claiming a
 * key, completing it in the work's transaction, releasing it when the work failed. Database rows,
 * so every instance on the database sees every key. Claims and releases run on a fork of their
 * own, outside the request's unit of work and its transaction.
 */
@Injectable()
export class IdempotencyService {
  private readonly ttlMs: number;
  private lastSweep = 0;

  constructor(
    private readonly em: EntityManager,
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
  ) {
    this.ttlMs = (config?.idempotencyTtlHours ?? 24) * 3_600_000;
  }

  /**
   * Claims `key` for this request (committed at once, so other requests and instances see it in
   * flight), or returns the stored response to replay. 422 when the key came with another
   * request, 409 while another request holds it.
   */
  async claim(key: string, fingerprint: string): Promise<Claim> {
    await this.sweepExpired();
    const em = this.em.fork();
    // Two rounds at most: one lost insert race, then the winner's row is read.
    for (let round = 0; round < 2; round++) {
      const now = new Date();
      const owner = randomUUID();
      const existing = await em.findOne(IdempotencyKey, { key }, { disableIdentityMap: true });
      if (existing === null || existing.expiresAt <= now) {
        if (existing !== null) await em.nativeDelete(IdempotencyKey, { key, expiresAt: { $lte: now } });
        try {
          await em.insert(IdempotencyKey, new IdempotencyKey(key, fingerprint, owner, now, this.expiry(now)));
          return { kind: 'claimed', owner };
        } catch (error) {
          if (error instanceof UniqueConstraintViolationException) continue; // another request claimed it first
          throw error;
        }
      }
      if (existing.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
      if (existing.status !== null) return { kind: 'replay', response: storedResponse(existing) };
      if (now.getTime() - existing.claimedAt.getTime() < CLAIM_LEASE_MS) {
        throw new IdempotencyInFlightError(RETRY_AFTER_SECONDS);
      }
      // An abandoned claim: take it over, unless another retry just did.
      const taken = await em.nativeUpdate(
        IdempotencyKey,
        { key, owner: existing.owner, status: null },
        { owner, claimedAt: now, expiresAt: this.expiry(now) },
      );
      if (taken === 1) return { kind: 'claimed', owner };
    }
    throw new IdempotencyInFlightError(RETRY_AFTER_SECONDS);
  }

  /**
   * Stores the response in `tx`, the work's own transaction, so the two commit together. If the
   * claim was taken over meanwhile (this request outlived its lease), the work is rolled back.
   */
  async complete(tx: EntityManager, key: string, owner: string, response: StoredResponse): Promise<void> {
    const stored = await tx.nativeUpdate(
      IdempotencyKey,
      { key, owner, status: null },
      { status: response.status, headers: JSON.stringify(response.headers), body: response.body },
    );
    if (stored !== 1) throw new IdempotencyInFlightError(RETRY_AFTER_SECONDS);
  }

  /** Frees the key after failed work (nothing was committed), so the client's retry runs it again. */
  async release(key: string, owner: string): Promise<void> {
    await this.em.fork().nativeDelete(IdempotencyKey, { key, owner, status: null });
  }

  /** Deletes every expired row, at most once per SWEEP_INTERVAL_MS in this process. */
  async sweepExpired(): Promise<number> {
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return 0;
    this.lastSweep = now;
    return this.em.fork().nativeDelete(IdempotencyKey, { expiresAt: { $lte: new Date(now) } });
  }

  private expiry(now: Date): Date {
    return new Date(now.getTime() + this.ttlMs);
  }
}

function storedResponse(row: IdempotencyKey): StoredResponse {
  return {
    status: row.status!,
    headers: JSON.parse(row.headers ?? '{}') as Record<string, string>,
    body: row.body ?? '',
  };
}
