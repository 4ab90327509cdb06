import { Migration } from '@mikro-orm/migrations';

export class Migration20261127041854_initial extends Migration {
  override name = 'Migration20261127041854_initial';

  override up(): void | Promise<void> {
    this.addSql(
      `create table \`users\` (\`id\` integer not null primary key autoincrement, \`name\` text not null, \`email\` text not null, \`created_at\` datetime not null, \`updated_at\` datetime not null);`,
    );
    this.addSql(`create unique index \`users_name_unique\` on \`users\` (\`name\`);`);
    this.addSql(`create unique index \`users_email_unique\` on \`users\` (\`email\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`users\`;`);
  }
}
