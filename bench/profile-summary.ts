/**
 * `node bench/profile-summary.ts FILE.cpuprofile [top]`: where a `--cpu-prof` profile of the app
 * spent its time, by layer (package) and by function. Native functions without a script (better-sqlite3's
 * `prepare`, socket writes) count for the nearest caller that has one, so "better-sqlite3" includes
 * the C++ work it calls.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

function layerOf(url: string): string | undefined {
  if (!url) return undefined;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1].startsWith('@mikro-orm/') || pkg[1].startsWith('@nestjs/') ? pkg[1] : pkg[1];
  if (url.includes('/dist/src/')) return 'app (dist/src)';
  if (url.startsWith('node:'))
    return /node:internal\/(http|_http|streams|net|stream_base|timers|async_hooks|process\/task)/.test(url) ||
      /node:(http|net|_http)/.test(url)
      ? 'node: http, net, streams'
      : 'node: other';
  return 'other';
}

const file = process.argv[2];
const top = Number(process.argv[3] ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const selfTime = new Map<number, number>();
profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

function layerFor(id: number): string {
  const node = byId.get(id)!;
  const name = node.callFrame.functionName;
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'program (V8, native)';
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const layer = layerOf(byId.get(cur)!.callFrame.url);
    if (layer) return layer;
  }
  return 'native (no caller)';
}

const layers = new Map<string, number>();
const functions = new Map<string, number>();
let total = 0;
for (const [id, time] of selfTime) {
  const layer = layerFor(id);
  if (layer === 'idle') continue;
  total += time;
  layers.set(layer, (layers.get(layer) ?? 0) + time);
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/')}:${lineNumber + 1}`;
  functions.set(key, (functions.get(key) ?? 0) + time);
}
const pct = (t: number) => `${((t / total) * 100).toFixed(1).padStart(5)}%`;
console.log(`busy time ${(total / 1e6).toFixed(1)} s (idle excluded)\n\nby layer:`);
for (const [layer, time] of [...layers].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(time)}  ${layer}`);
console.log(`\ntop ${top} functions (self time):`);
for (const [name, time] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`  ${pct(time)}  ${name}`);
