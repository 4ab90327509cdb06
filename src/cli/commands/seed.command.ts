import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { Post } from '../../posts/post.js';
import { User } from '../../users/user.entity.js';
import { UsageError, type CliCommand, type CliOutput } from '../cli-command.js';

/** Rows per transaction: the unit of work turns each batch into a few multi-row INSERTs. */
export const SEED_BATCH = 1000;
const MAX_COUNT = 10_000_000;

/**
 * The page's first session as a command: the `admin` / `admin@localhost` user, created only if
 * missing, and for local testing and benchmarks `--users N --posts M` generated rows. It works
 * in forks of its own, one per batch and cleared after it, never in the global EntityManager,
 * so memory stays flat however many rows are asked for.
 */
export const seedCommand: CliCommand = {
  name: 'seed',
  description: 'insert the admin user if missing; --users N --posts M add generated data',
  usage: '[--users N] [--posts M]',
  options: [
    { flag: '--users N', means: 'add N generated users' },
    { flag: '--posts M', means: 'add M generated posts, spread over all users' },
  ],
  async run(orm, args, out) {
    const { users, posts } = parseArgs(args);
    const em = orm.em.fork() as EntityManager;
    let admin = 0;
    if (await em.count(User, { name: 'admin' })) {
      out.log('admin user already present');
    } else {
      await em.persist(new User('admin', 'admin@localhost')).flush();
      admin = 1;
      out.log('admin user created (admin@localhost)');
    }
    if (users > 0) await seedUsers(orm, users, out);
    if (posts > 0) await seedPosts(orm, posts, out);
    out.log(summary(admin + users, posts));
    return 0;
  },
};

/** The last line: what this run added, so a re-run that added nothing says so. */
function summary(users: number, posts: number): string {
  if (users + posts === 0) return 'seed: added nothing';
  return `seed: added ${plural(users, 'user')} and ${plural(posts, 'post')}`;
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

function parseArgs(args: string[]): { users: number; posts: number } {
  const counts = { users: 0, posts: 0 };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i].replace(/^--/, '');
    if (flag !== 'users' && flag !== 'posts') throw new UsageError(`seed: unknown argument ${args[i]}`);
    const value = args[++i];
    if (!value || !/^\d+$/.test(value) || Number(value) > MAX_COUNT) {
      throw new UsageError(`seed: --${flag} needs a whole number up to ${MAX_COUNT}`);
    }
    counts[flag] = Number(value);
  }
  return counts;
}

async function seedUsers(orm: MikroORM, total: number, out: CliOutput): Promise<void> {
  // A tag per run keeps names and emails unique when the command is run again.
  const run = Date.now().toString(36);
  await inBatches(orm, total, 'users', out, (em, from, to) => {
    for (let i = from; i < to; i++) em.persist(new User(`user-${run}-${i}`, `user-${run}-${i}@example.com`));
  });
}

async function seedPosts(orm: MikroORM, total: number, out: CliOutput): Promise<void> {
  const ids = (
    await (orm.em.fork() as EntityManager)
      .createQueryBuilder(User)
      .select('id')
      .orderBy({ id: 'asc' })
      .execute<{ id: number }[]>('all')
  ).map((row) => row.id);
  await inBatches(orm, total, 'posts', out, (em, from, to) => {
    for (let i = from; i < to; i++) {
      // References, not loads: the author rows are not read back.
      const author = em.getReference(User, ids[i % ids.length]);
      em.persist(new Post(author, `Post ${i + 1}`, `Generated post ${i + 1} by user ${author.id}.`));
    }
  });
}

async function inBatches(
  orm: MikroORM,
  total: number,
  what: string,
  out: CliOutput,
  fill: (em: EntityManager, from: number, to: number) => void,
): Promise<void> {
  for (let from = 0; from < total; from += SEED_BATCH) {
    const to = Math.min(from + SEED_BATCH, total);
    const em = orm.em.fork() as EntityManager;
    await em.transactional(async (trx) => {
      fill(trx, from, to);
      await trx.flush();
    });
    out.progress?.(`${what}: ${to}/${total}`);
  }
  out.log(`${what}: ${total} created`);
}
