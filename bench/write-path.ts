// Where one created user's CPU goes below HTTP: the app's own ORM options (dist/, built by
// `npm run bench:write-path`) on fresh SQLite files, in one process, each step timed as CPU per
// operation (process.cpuUsage: user + system) over OPS operations after a warm-up, the steps
// interleaved for ROUNDS rounds so a drifting host moves them alike. Compare the lines of one run,
// not runs: the host's speed moves them all. Env: OPS (default 3000), ROUNDS (default 2).
//   fork + new User             the request's fork and the entity, no flush
//   flush (app's options)       fork, persist, flush: what POST /users does below the controller
//   flush, no transaction       the same with MikroORM's implicitTransactions off (not the app's
//                               setting: a multi-statement flush would lose its atomicity), so the
//                               difference is what the flush's BEGIN/COMMIT plumbing costs
//   raw insert                  better-sqlite3 alone, the baseline's statement with the same pragmas
//   raw begin, insert, commit   the same inside an explicit transaction: what BEGIN/COMMIT cost SQLite
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import 'reflect-metadata';

const ROOT = resolve(import.meta.dirname, '..');
const OPS = Number(process.env.OPS ?? 3000);
const ROUNDS = Number(process.env.ROUNDS ?? 2);

/** The built app's modules: their decorators need the build, which Node's type stripping cannot do. */
interface Built {
  MikroORM: { init(options: object): Promise<Orm> };
  RequestContext: { create<T>(em: unknown, next: () => Promise<T>): Promise<T> };
  appOrmOptions(settings: object): object;
  User: new (name: string, email: string) => object;
}
interface Orm {
  em: { fork(): Em };
  schema: { create(): Promise<void> };
  close(): Promise<void>;
}
interface Em {
  persist(entity: object): { flush(): Promise<void> };
}

const dist = (path: string) => import(join(ROOT, 'dist/src', path)) as Promise<Record<string, unknown>>;

/** A fresh SQLite file's path in the temp folder (an earlier run's is removed). */
function freshFile(name: string): string {
  const path = join(tmpdir(), `users-write-path-${process.pid}-${name}.sqlite3`);
  rmSync(path, { force: true });
  return path;
}

async function load(): Promise<Built> {
  const core = (await import('@mikro-orm/core')) as unknown as Pick<Built, 'MikroORM' | 'RequestContext'>;
  const { appOrmOptions } = (await dist('app-orm.js')) as Pick<Built, 'appOrmOptions'>;
  const { User } = (await dist('users/user.entity.js')) as Pick<Built, 'User'>;
  return { ...core, appOrmOptions, User };
}

let seq = 0;
const next = () => ({ name: `w${seq}`, email: `w${seq++}@write.path` });

async function main(): Promise<void> {
  const built = await load();
  const files: string[] = [];
  const orm = async (name: string, extra: object = {}): Promise<Orm> => {
    const path = freshFile(name);
    files.push(path);
    const o = await built.MikroORM.init({
      ...built.appOrmOptions({ database: { driver: 'sqlite', file: path } }),
      ...extra,
    });
    await o.schema.create();
    return o;
  };
  const app = await orm('app');
  const noTx = await orm('no-transaction', { implicitTransactions: false });
  const rawPath = freshFile('raw');
  files.push(rawPath);
  const raw = new Database(rawPath);
  for (const pragma of ['journal_mode = wal', 'synchronous = normal', 'foreign_keys = on']) raw.pragma(pragma);
  raw.exec(
    'create table users (id integer primary key autoincrement, name text not null unique, email text not null unique, ' +
      'created_at integer not null, updated_at integer not null, version integer not null default 1)',
  );
  const insert = raw.prepare(
    'insert into users (name, email, created_at, updated_at) values (?, ?, ?, ?) returning id',
  );
  const begin = raw.prepare('begin');
  const commit = raw.prepare('commit');

  const inContext = (o: Orm, work: (em: Em) => Promise<void>) => {
    const em = o.em.fork();
    return built.RequestContext.create(em, () => work(em));
  };
  const steps: [string, () => Promise<void>][] = [
    [
      'fork + new User',
      () =>
        inContext(app, async () => {
          const { name, email } = next();
          void new built.User(name, email);
        }),
    ],
    [
      'flush (app options)',
      () =>
        inContext(app, (em) => {
          const { name, email } = next();
          return em.persist(new built.User(name, email)).flush();
        }),
    ],
    [
      'flush, no transaction',
      () =>
        inContext(noTx, (em) => {
          const { name, email } = next();
          return em.persist(new built.User(name, email)).flush();
        }),
    ],
    [
      'raw insert',
      async () => {
        const { name, email } = next();
        const now = Date.now();
        insert.get(name, email, now, now);
      },
    ],
    [
      'raw begin, insert, commit',
      async () => {
        const { name, email } = next();
        const now = Date.now();
        begin.run();
        insert.get(name, email, now, now);
        commit.run();
      },
    ],
  ];
  console.log(`CPU per operation (user + system), ${OPS} operations per step and round, ${ROUNDS} rounds`);
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, step] of steps) {
        for (let i = 0; i < 500; i++) await step();
        const before = process.cpuUsage();
        for (let i = 0; i < OPS; i++) await step();
        const used = process.cpuUsage(before);
        console.log(
          `round ${round}  ${name.padEnd(24)} ${((used.user + used.system) / OPS).toFixed(1).padStart(7)} µs`,
        );
      }
    }
  } finally {
    await app.close();
    await noTx.close();
    raw.close();
    for (const path of files) for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  }
}

await main();
