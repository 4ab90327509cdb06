import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresCluster, type PostgresCluster } from '../helpers/postgres-cluster.js';

// The suite's own harness first: every other fault spec leans on it stopping and starting for real.
describe('a throwaway PostgreSQL cluster', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startPostgresCluster();
  });
  afterAll(() => cluster?.remove());

  it('runs on its own port, restarts, and is stopped by its PID', async () => {
    expect(cluster.port).not.toBe(5432);
    expect(await cluster.psql('show port')).toBe(String(cluster.port));
    const before = cluster.pid();
    expect(before).toBeGreaterThan(0);
    await cluster.restart();
    expect(cluster.pid()).not.toBe(before);
    expect(await cluster.psql('select 1')).toBe('1');
    await cluster.stop();
    expect(cluster.pid()).toBeUndefined();
    await expect(cluster.psql('select 1')).rejects.toThrow(
      /psql failed|No such file|could not connect|connection to server/,
    );
    await cluster.start();
    expect(await cluster.psql('select 1')).toBe('1');
  });
});
