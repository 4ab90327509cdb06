import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAppProcess, type RunningApp } from '../helpers/app-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testDbKind } from '../helpers/test-database.js';

/**
 * The README's API curl block, run top to bottom with real curl against a fresh process on a
 * fresh database (both projects), must print exactly what the block shows under each command:
 * the `# ` lines that follow it. Only what differs from run to run is normalised: request ids
 * timestamps and `Date:` headers.
 */
const README = resolve(import.meta.dirname, '../../README.md');

interface Example {
  command: string;
  output: string[];
}

/** The first ```bash block of the `## API` section that runs curl. */
function apiCurlBlock(markdown: string): string {
  const api = markdown.slice(markdown.indexOf('\n## API\n'));
  const blocks = [...api.matchAll(/^```bash\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
  const block = blocks.find((text) => /^curl /m.test(text));
  if (!block) throw new Error('README.md: no ```bash block with curl under "## API"');
  return block;
}

/** Commands (with their `\` continuation lines) and the `# ` output lines under each. */
function parseExamples(block: string): Example[] {
  const examples: Example[] = [];
  let continuing = false;
  for (const line of block.split('\n')) {
    if (line.trim() === '') continue;
    const current = examples.at(-1);
    if (continuing && current) {
      current.command += `\n${line}`;
    } else if (line.startsWith('#') && current) {
      current.output.push(line.replace(/^# ?/, ''));
    } else {
      examples.push({ command: line, output: [] });
    }
    continuing = line.endsWith('\\');
  }
  return examples;
}

/** Request ids, timestamps and HTTP dates change every run; nothing else is touched. */
function normalise(text: string): string {
  return text
    .replace(/^Date: .* GMT\r?$/, 'Date: <date>')
    .replaceAll(/[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}/g, '<request id>')
    .replaceAll(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>');
}

let app: RunningApp;
let cwd: ReturnType<typeof tempDir>;
beforeAll(async () => {
  app = await startAppProcess();
  cwd = tempDir();
});
afterAll(async () => {
  await app?.stop();
  cwd?.remove();
});

it(`the README's curl block prints what it shows, run top to bottom on a fresh ${testDbKind} database`, async () => {
  const examples = parseExamples(apiCurlBlock(readFileSync(README, 'utf8')));
  expect(examples.length).toBeGreaterThan(5);
  const port = new URL(app.url).port;
  const ran: Example[] = [];
  for (const { command } of examples) {
    expect(command).toMatch(/^curl /);
    // The same command, aimed at this process (localhost may resolve to ::1 first; the app listens on 127.0.0.1).
    const aimed = command.replaceAll('localhost:3000', `127.0.0.1:${port}`);
    const { stdout } = await promisify(execFile)('bash', ['-c', aimed], { cwd: cwd.path, timeout: 10_000 });
    const lines = stdout.replace(/\n$/, '').split('\n');
    ran.push({ command, output: lines.length === 1 && lines[0] === '' ? [] : lines.map(normalise) });
  }
  expect(ran).toEqual(examples.map(({ command, output }) => ({ command, output: output.map(normalise) })));
});
