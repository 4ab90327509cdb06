import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { describe, expect, it } from 'vitest';
import { ENTITIES } from '../../src/app-orm.js';
import { cli } from '../helpers/cli-run.js';
import { onPostgres } from '../helpers/test-database.js';

/** An entity no migration knows about. */
@Entity({ tableName: 'audit_entries' })
class AuditEntry {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'string', length: 200 })
  action!: string;
}

// migration:check reads no database (snapshots, and an in-memory SQLite replay), so it runs
// once, in the sqlite project.
describe.skipIf(onPostgres)('migration:check', () => {
  it('passes when the shipped migrations match the entities, for both dialects', async () => {
    const result = await cli(['migration:check'], 'sqlite::memory:');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('sqlite: migrations match the entities');
    expect(result.stdout).toContain('postgresql: migrations match the entities');
    expect(result.stdout).toContain("sqlite: replaying the migrations builds the entities' schema");
  });

  it('fails, naming the command to run, when an entity has no migration', async () => {
    const result = await cli(['migration:check'], 'sqlite::memory:', { entities: [...ENTITIES, AuditEntry] });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'sqlite: the entities changed since the last migration: run npm run migration:create',
    );
    expect(result.stderr).toContain(
      'postgresql: the entities changed since the last migration: run npm run migration:create',
    );
    expect(result.stderr).toMatch(
      /sqlite: replaying the migrations leaves this difference.*\n.*create table `audit_entries`/,
    );
  });
});
