import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_NODE_ARGS } from '../../bench/servers.ts';

const ROOT = join(import.meta.dirname, '../..');
const json = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, unknown>;

/**
 * The bench measures the app with the Node flags production starts it with; if one of the three
 * drifted, the bench's memory and speed figures would describe a process nobody runs.
 */
describe("production's Node flags", () => {
  it('npm run start:prod, npm start (nest-cli.json exec) and the bench start the app with the same flags', () => {
    const scripts = json('package.json').scripts as Record<string, string>;
    expect(scripts['start:prod']).toBe(`NODE_ENV=production node ${APP_NODE_ARGS.join(' ')} dist/src/main.js`);
    expect(json('nest-cli.json').exec).toBe(`node ${APP_NODE_ARGS.join(' ')}`);
  });
});
