import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordStatements } from '../helpers/statements.js';
import { startApp, type TestApp } from '../helpers/test-app.js';
import { testDbKind } from '../helpers/test-database.js';

let t: TestApp;
afterEach(() => t.close());

async function createUser(name: string): Promise<{ id: number; etag: string }> {
  const created = await t.http
    .post('/users')
    .send({ name, email: `${name}@example.org` })
    .expect(201);
  const read = await t.http.get(`/users/${created.body.id}`).expect(200);
  return { id: created.body.id as number, etag: read.headers.etag };
}

describe(`conditional requests on ${testDbKind}`, () => {
  beforeEach(async () => (t = await startApp()));

  it('GET /users/:id answers a strong ETag of id and version; If-None-Match with it → 304 without a body', async () => {
    const { id, etag } = await createUser('ann');
    expect(etag).toBe(`"u${id}-v1"`);
    const cached = await t.http.get(`/users/${id}`).set('If-None-Match', etag).expect(304);
    expect(cached.text).toBe('');
    expect(cached.headers.etag).toBe(etag);
    // A weak form of the same tag matches too (If-None-Match compares weakly); another does not.
    await t.http.get(`/users/${id}`).set('If-None-Match', `W/${etag}`).expect(304);
    await t.http.get(`/users/${id}`).set('If-None-Match', `"u${id}-v0", ${etag}`).expect(304);
    const full = await t.http.get(`/users/${id}`).set('If-None-Match', `"u${id}-v0"`).expect(200);
    expect(full.body.name).toBe('ann');
  });

  it('every committed PATCH gives a new ETag, and the old one no longer gets a 304', async () => {
    const { id, etag } = await createUser('bob');
    const patched = await t.http.patch(`/users/${id}`).set('If-Match', etag).send({ name: 'bobby' }).expect(200);
    expect(patched.headers.etag).toBe(`"u${id}-v2"`);
    const read = await t.http.get(`/users/${id}`).set('If-None-Match', etag).expect(200);
    expect(read.headers.etag).toBe(patched.headers.etag);
  });

  it('PATCH with a stale If-Match → 412 naming the current ETag, and nothing changes', async () => {
    const { id, etag } = await createUser('cat');
    const second = await t.http.patch(`/users/${id}`).set('If-Match', etag).send({ name: 'cat-2' }).expect(200);
    const stale = await t.http.patch(`/users/${id}`).set('If-Match', etag).send({ name: 'cat-3' }).expect(412);
    expect(stale.body).toMatchObject({
      statusCode: 412,
      error: 'Precondition Failed',
      currentETag: second.headers.etag,
    });
    expect(stale.body.message).toContain(second.headers.etag);
    expect(stale.headers.etag).toBe(second.headers.etag);
    expect((await t.http.get(`/users/${id}`).expect(200)).body.name).toBe('cat-2');
  });

  it('If-Match takes a list and *, compares strongly (a weak tag never matches)', async () => {
    const { id, etag } = await createUser('dan');
    await t.http.patch(`/users/${id}`).set('If-Match', `W/${etag}`).send({ name: 'dan-w' }).expect(412);
    await t.http.patch(`/users/${id}`).set('If-Match', `"u${id}-v9", ${etag}`).send({ name: 'dan-2' }).expect(200);
    await t.http.patch(`/users/${id}`).set('If-Match', '*').send({ name: 'dan-3' }).expect(200);
    await t.http.patch(`/users/999999`).set('If-Match', '*').send({ name: 'nobody' }).expect(404);
  });

  it('the version is checked in the UPDATE statement itself, not only in memory', async () => {
    const { id, etag } = await createUser('eve');
    const { statements } = await recordStatements(() =>
      t.http.patch(`/users/${id}`).set('If-Match', etag).send({ name: 'eve-2' }).expect(200),
    );
    const update = statements.find((sql) => /^update /i.test(sql));
    expect(update).toMatch(/ where [`"]id[`"] = .+ and [`"]version[`"] = /i);
  });

  it('DELETE honours If-Match: stale → 412 naming the current ETag and the user stays; current → 204', async () => {
    const { id, etag } = await createUser('fay');
    const current = await t.http.patch(`/users/${id}`).send({ name: 'fay-2' }).expect(200);
    const stale = await t.http.delete(`/users/${id}`).set('If-Match', etag).expect(412);
    expect(stale.body.currentETag).toBe(current.headers.etag);
    expect(await t.count('users')).toBe(1);
    await t.http.delete(`/users/${id}`).set('If-Match', current.headers.etag).expect(204);
    expect(await t.count('users')).toBe(0);
  });

  it('without If-Match, PATCH and DELETE proceed as before', async () => {
    const { id } = await createUser('gus');
    await t.http.patch(`/users/${id}`).send({ name: 'gus-2' }).expect(200);
    await t.http.delete(`/users/${id}`).expect(204);
  });

  it('two concurrent PATCHes sent with the same ETag: exactly one 200 and one 412', async () => {
    for (let round = 0; round < 10; round++) {
      const { id, etag } = await createUser(`race-${round}`);
      const replies = await Promise.all(
        ['a', 'b'].map((side) =>
          t.http
            .patch(`/users/${id}`)
            .set('If-Match', etag)
            .send({ name: `race-${round}-${side}` }),
        ),
      );
      const statuses = replies.map((reply) => reply.status).sort((x, y) => x - y);
      expect(statuses).toEqual([200, 412]);
      const winner = replies.find((reply) => reply.status === 200)!;
      expect((await t.http.get(`/users/${id}`)).body.name).toBe(winner.body.name);
    }
  });

  it('GET /posts/:id answers an ETag too, and If-None-Match → 304', async () => {
    const { id: author } = await createUser('hal');
    const post = await t.http.post(`/users/${author}/posts`).send({ title: 't', body: 'b' }).expect(201);
    const read = await t.http.get(`/posts/${post.body.id}`).expect(200);
    expect(read.body).toEqual(post.body);
    expect(read.headers.etag).toBe(`"p${post.body.id}-v1"`);
    await t.http.get(`/posts/${post.body.id}`).set('If-None-Match', read.headers.etag).expect(304);
    await t.http.get('/posts/999999').expect(404);
  });
});

async function racePairs(withIfMatch: boolean): Promise<{ bothAcknowledged: number; refused: number }> {
  let bothAcknowledged = 0;
  let refused = 0;
  for (let pair = 0; pair < 50; pair++) {
    const { id, etag } = await createUser(`${withIfMatch ? 'm' : 'n'}${pair}`);
    const send = (name: string) => {
      const req = t.http.patch(`/users/${id}`);
      return (withIfMatch ? req.set('If-Match', etag) : req).send({ name });
    };
    const replies = await Promise.all([send(`p${pair}-a-${withIfMatch}`), send(`p${pair}-b-${withIfMatch}`)]);
    const stored = (await t.http.get(`/users/${id}`)).body.name as string;
    const acknowledged = replies.filter((reply) => reply.status === 200);
    // Whatever happens, the stored name is one that was acknowledged.
    expect(acknowledged.map((reply) => reply.body.name)).toContain(stored);
    if (acknowledged.length === 2) bothAcknowledged++;
    refused += replies.filter((reply) => reply.status === 412).length;
    expect(acknowledged.length + replies.filter((reply) => reply.status === 412).length).toBe(2);
  }
  return { bothAcknowledged, refused };
}

describe('the lost-update demo: 50 pairs of concurrent PATCHes of the same field', () => {
  beforeEach(async () => (t = await startApp()));

  it('without If-Match both writers hear 200 and one change is silently lost', async () => {
    const result = await racePairs(false);
    expect(result.bothAcknowledged).toBeGreaterThan(0);
    expect(result.refused).toBe(0);
  });

  it('with If-Match never: every pair is one 200 and one 412', async () => {
    expect(await racePairs(true)).toEqual({ bothAcknowledged: 0, refused: 50 });
  });
});

describe('REQUIRE_IF_MATCH=1', () => {
  beforeEach(async () => (t = await startApp({ env: { REQUIRE_IF_MATCH: '1' } })));

  it('PATCH and DELETE without If-Match → 428; with it they proceed', async () => {
    const { id, etag } = await createUser('ida');
    const refused = await t.http.patch(`/users/${id}`).send({ name: 'ida-2' }).expect(428);
    expect(refused.body).toMatchObject({ statusCode: 428, error: 'Precondition Required' });
    await t.http.delete(`/users/${id}`).expect(428);
    const patched = await t.http.patch(`/users/${id}`).set('If-Match', etag).send({ name: 'ida-2' }).expect(200);
    await t.http.delete(`/users/${id}`).set('If-Match', patched.headers.etag).expect(204);
  });
});
