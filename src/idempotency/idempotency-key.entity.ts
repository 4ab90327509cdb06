import type { Opt } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/** Longest `Idempotency-Key` accepted (the draft sets none; a UUID is 36). */
export const IDEMPOTENCY_KEY_MAX = 255;

/**
 * One `Idempotency-Key` a client sent, what it was sent with, and (once the work committed) what
 * the server answered. `owner` marks the request working on it while `status` is null: a row is
 * claimed in a short transaction of its own, then completed in the work's transaction (so the
 * work and its stored response commit together or not at all).
 */
@Entity({ tableName: 'idempotency_keys' })
export class IdempotencyKey {
  @PrimaryKey({ type: 'string', length: IDEMPOTENCY_KEY_MAX })
  key: string;

  /** SHA-256 of method, path and body: the same key with another request is a 422. */
  @Property({ type: 'string', length: 64 })
  fingerprint: string;

  /** The request working on the key (random per request); a new one takes over an abandoned claim. */
  @Property({ type: 'string', length: 36 })
  owner: string;

  /** When the owner claimed the key; a claim older than the lease is abandoned (its process died). */
  @Property({ type: 'Date' })
  claimedAt: Date;

  /** The stored response: null while in flight. */
  @Property({ type: 'integer', nullable: true })
  status: (number & Opt) | null = null;

  /** The response headers to replay (JSON object), e.g. Location. */
  @Property({ type: 'text', nullable: true })
  headers: (string & Opt) | null = null;

  /** The response body, exactly as serialized. */
  @Property({ type: 'text', nullable: true })
  body: (string & Opt) | null = null;

  /** Rows past this are deleted and their key may be used afresh (IDEMPOTENCY_TTL_HOURS). */
  @Index({ name: 'idempotency_keys_expires_at_index' })
  @Property({ type: 'Date' })
  expiresAt: Date;

  constructor(key: string, fingerprint: string, owner: string, claimedAt: Date, expiresAt: Date) {
    this.key = key;
    this.fingerprint = fingerprint;
    this.owner = owner;
    this.claimedAt = claimedAt;
    this.expiresAt = expiresAt;
  }
}
