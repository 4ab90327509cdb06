import { Migration } from '@mikro-orm/migrations';

export class Migration20261127041854_initial extends Migration {
  override name = 'Migration20261127041854_initial';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "users" ("id" serial primary key, "name" varchar(50) not null, "email" varchar(120) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`,
    );
    this.addSql(`alter table "users" add constraint "users_name_unique" unique ("name");`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "users" cascade;`);
  }
}
