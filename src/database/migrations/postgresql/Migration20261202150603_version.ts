import { Migration } from '@mikro-orm/migrations';

export class Migration20261202150603_version extends Migration {
  override name = 'Migration20261202150603_version';

  override up(): void | Promise<void> {
    this.addSql(`alter table "users" add "version" int not null default 1;`);

    this.addSql(`alter table "posts" add "version" int not null default 1;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "posts" drop column "version";`);

    this.addSql(`alter table "users" drop column "version";`);
  }
}
