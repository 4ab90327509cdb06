import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplicaMonitor } from '../../src/database/replicas/replica-monitor.js';
import { type Cluster, clusterSkipReason, startCluster } from '../helpers/cluster.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

const skip = clusterSkipReason();
if (skip) console.log(skip);

/**
 * Read-your-writes across requests on a real cluster whose only replica applies WAL 2 s late
 * (recovery_min_apply_delay through Patroni): the app writes through PgBouncer and reads through
 * the HAProxy read port.
 */
describe.skipIf(skip)('read-your-writes with a replica deliberately behind', () => {
  let cluster: Cluster;
  let t: TestApp;
  let monitor: ReplicaMonitor;

  beforeAll(async () => {
    cluster = await startCluster();
    // DB_REPLICA_MAX_LAG_MS above the 2 s delay: the replica stays readable, only behind.
    t = await startApp({ db: cluster.writeUrl, env: { ...cluster.appEnv(), DB_REPLICA_MAX_LAG_MS: '10000' } });
    monitor = t.app.get(ReplicaMonitor);
    await cluster.ctl('delay', '2s');
  });

  afterAll(async () => {
    await t?.close();
    await cluster?.down();
  });

  const reads = (reason: string) => monitor.readRoutes.get(reason as never) ?? 0;

  it('a PATCH then a GET with its token sees the write, every time; without the token the replica answers stale', async () => {
    const created = await t.http.post('/users').send({ name: 'v0', email: 'ryw@example.com' }).expect(201);
    const id = created.body.id as number;
    expect(created.headers['x-consistency-token']).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    let stale = 0;
    for (let i = 1; i <= 15; i++) {
      const patched = await t.http
        .patch(`/users/${id}`)
        .send({ name: `v${i}` })
        .expect(200);
      const token = patched.headers['x-consistency-token'];
      expect(token).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      const withToken = await t.http.get(`/users/${id}`).set('X-Read-After', token).expect(200);
      expect(withToken.body.name).toBe(`v${i}`);
      // Without it: whatever the replica has replayed, possibly not even the create yet (404).
      const without = await t.http.get(`/users/${id}`);
      expect([200, 404]).toContain(without.status);
      if (without.status === 404 || without.body.name !== `v${i}`) stale++;
    }
    // The replica really was behind (else this spec proves nothing) and token reads went around it.
    expect(stale).toBeGreaterThan(10);
    expect(reads('not_replayed')).toBeGreaterThanOrEqual(15);
    expect(reads('replica')).toBeGreaterThanOrEqual(stale);
  });

  it('a token read goes to the replica once it has replayed past the token', async () => {
    await cluster.ctl('delay', '0');
    const created = await t.http.post('/users').send({ name: 'fresh', email: 'ryw2@example.com' }).expect(201);
    const token = created.headers['x-consistency-token'];
    const before = reads('replica');
    await new Promise((done) => setTimeout(done, 500));
    const res = await t.http.get(`/users/${created.body.id}`).set('X-Read-After', token).expect(200);
    expect(res.body.name).toBe('fresh');
    expect(reads('replica')).toBe(before + 1);
  });

  it('answers a token that is not a WAL position with a 400, and writes route all their reads to the primary', async () => {
    const res = await t.http.get('/users/1').set('X-Read-After', "0/1' or 1=1").expect(400);
    expect(res.body.message).toMatch(/X-Read-After/);
    const before = reads('write_request');
    await t.http.patch('/users/1').send({ name: 'again' }).expect(200);
    expect(reads('write_request')).toBeGreaterThan(before);
  });

  it('/health reports the primary and the replica; /metrics is not on (METRICS unset)', async () => {
    const res = await t.http.get('/health').expect(200);
    expect(res.body.details.replicas).toMatchObject({
      status: 'up',
      primary: { up: true, lsn: expect.stringMatching(/\//) },
      replicas: [{ name: 'read-1', up: true, role: 'replica', readable: true }],
    });
  });
});
