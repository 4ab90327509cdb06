import { Migration } from '@mikro-orm/migrations';

export class Migration20261202152821_idempotency_keys extends Migration {
  override name = 'Migration20261202152821_idempotency_keys';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "idempotency_keys" ("key" varchar(255) not null, "fingerprint" varchar(64) not null, "owner" varchar(36) not null, "claimed_at" timestamptz not null, "status" int null, "headers" text null, "body" text null, "expires_at" timestamptz not null, primary key ("key"));`,
    );
    this.addSql(`create index "idempotency_keys_expires_at_index" on "idempotency_keys" ("expires_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "idempotency_keys" cascade;`);
  }
}
