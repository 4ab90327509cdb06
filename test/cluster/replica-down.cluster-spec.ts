import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplicaMonitor } from '../../src/database/replicas/replica-monitor.js';
import { type Cluster, clusterSkipReason, startCluster } from '../helpers/cluster.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

const skip = clusterSkipReason();
if (skip) console.log(skip);

/**
 * The app reads from the replica node's own port (not the HAProxy read port, which would quietly
 * fall back to the leader), and that replica goes away: reads fall back to the primary with no
 * 5xx, and return to the replica once it is back.
 */
describe.skipIf(skip)('a replica that goes down', () => {
  let cluster: Cluster;
  let t: TestApp;
  let monitor: ReplicaMonitor;
  let replica: string;

  beforeAll(async () => {
    cluster = await startCluster();
    replica = (await cluster.leader()) === 'node1' ? 'node2' : 'node1';
    t = await startApp({ db: cluster.writeUrl, env: cluster.appEnv([cluster.nodeUrl(replica)]) });
    monitor = t.app.get(ReplicaMonitor);
  });

  afterAll(async () => {
    await t?.close();
    await cluster?.down();
  });

  const replicaReads = () => monitor.readRoutes.get('replica') ?? 0;

  it('reads fall back to the primary while it is down, no 5xx, and come back when it returns', async () => {
    const created = await t.http.post('/users').send({ name: 'a', email: 'down@example.com' }).expect(201);
    const id = created.body.id as number;
    await sleep(300);
    const before = replicaReads();
    await t.http.get('/users').expect(200);
    expect(replicaReads()).toBeGreaterThan(before);

    // Reads keep coming while the replica's Patroni stops its PostgreSQL.
    const statuses: number[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) {
        statuses.push((await t.http.get(`/users/${id}`)).status);
        statuses.push((await t.http.get('/users')).status);
      }
    })();
    await cluster.ctl('stop-node', replica);
    await sleep(1500);
    expect(monitor.status().replicas[0]).toMatchObject({ up: false, readable: false });
    const health = await t.http.get('/health').expect(200);
    expect(health.body.details.replicas.replicas[0]).toMatchObject({ up: false, readable: false });
    // Writes go on: with its only replica down the leader takes them alone (synchronous_mode_strict off).
    await t.http.post('/users').send({ name: 'b', email: 'down2@example.com' }).expect(201);
    const replicaReadsWhileDown = replicaReads();
    await sleep(500);
    reading = false;
    await reader;
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(replicaReads()).toBe(replicaReadsWhileDown);
    expect(monitor.readRoutes.get('no_replica_ready') ?? 0).toBeGreaterThan(0);

    await cluster.ctl('start-node', replica);
    for (let i = 0; i < 120 && !monitor.status().replicas[0].readable; i++) await sleep(250);
    expect(monitor.status().replicas[0]).toMatchObject({ up: true, readable: true, role: 'replica' });
    await sleep(300);
    const back = replicaReads();
    const res = await t.http.get('/users').expect(200);
    expect(res.body.total).toBe(2);
    expect(replicaReads()).toBeGreaterThan(back);
  });
});
