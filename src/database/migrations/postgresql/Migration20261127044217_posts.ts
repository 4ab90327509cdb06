import { Migration } from '@mikro-orm/migrations';

export class Migration20261127044217_posts extends Migration {
  override name = 'Migration20261127044217_posts';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "posts" ("id" serial primary key, "title" varchar(200) not null, "body" text not null, "author_id" int not null, "created_at" timestamptz not null);`,
    );
    this.addSql(`create index "posts_author_id_index" on "posts" ("author_id");`);
    this.addSql(`create index "posts_created_at_id_index" on "posts" ("created_at", "id");`);

    this.addSql(
      `alter table "posts" add constraint "posts_author_id_foreign" foreign key ("author_id") references "users" ("id") on delete cascade;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "posts" cascade;`);
  }
}
