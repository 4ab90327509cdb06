import { Migration } from '@mikro-orm/migrations';

export class Migration20261202152821_idempotency_keys extends Migration {
  override name = 'Migration20261202152821_idempotency_keys';

  override up(): void | Promise<void> {
    this.addSql(
      `create table \`idempotency_keys\` (\`key\` text not null primary key, \`fingerprint\` text not null, \`owner\` text not null, \`claimed_at\` datetime not null, \`status\` integer null, \`headers\` text null, \`body\` text null, \`expires_at\` datetime not null);`,
    );
    this.addSql(`create index \`idempotency_keys_expires_at_index\` on \`idempotency_keys\` (\`expires_at\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`idempotency_keys\`;`);
  }
}
