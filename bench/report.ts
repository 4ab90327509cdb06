import { writeFileSync } from 'node:fs';
import type { Spread } from './rounds.ts';

/** One server's figures for one scenario, over its rounds: medians, with the throughput's spread. */
export interface Side {
  /** Median req/s (rows/s for row scenarios) over the rounds. */
  throughput: number;
  /** Min–max of the rounds' throughput. */
  spread: Spread;
  /** Every round's throughput, in the order they ran. */
  rounds: number[];
  /** Median latencies in ms. */
  p50?: number;
  p99?: number;
  /** Summed over the rounds. */
  non2xx?: number;
  errors?: number;
  /** Export: the largest peak RSS of a fresh process over the runs. */
  peakRssMb?: number;
  /**
   * Median server CPU time per request in microseconds: the share of the ceiling's efficiency,
   * less sensitive to a busy machine than req/s.
   */
  cpuUs?: number;
}

export interface Row {
  scenario: string;
  unit: 'req/s' | 'rows/s';
  /** Set when the app does not serve the route: what the probe saw. */
  missing?: string;
  app?: Side;
  baseline?: Side;
  /** Median of the per-round app/baseline ratios (each round's pair ran back to back). */
  ratio?: number;
  ratioSpread?: Spread;
  /** The baseline's throughput in the calibration at the start of the run. */
  calibration?: number;
  /** Rounds disagreeing by more than 15% on either side, or the baseline below its calibration. */
  noisy: boolean;
  noise?: string;
  /** Extra servers in the same rotation (`app, LOG_LEVEL=warn`, `--before`): their side and app/extra. */
  extras?: { name: string; side: Side; appOverExtra: number }[];
}

export interface Target {
  what: string;
  wanted: string;
  measured: string;
  met: boolean;
  noisy: boolean;
}

export interface Report {
  date: string;
  machine: string;
  loadAverageAtStart: string;
  /** The baseline's calibration as a share of its quiet reference (reference.ts), when there is one. */
  hostSpeed?: number;
  node: string;
  database: 'sqlite' | 'postgresql';
  apiToken: boolean;
  connections: number;
  durationSeconds: number;
  rounds: number;
  workers: number;
  command: string;
  rows: Row[];
  targets: Target[];
  noisy: boolean;
}

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || Number.isNaN(n)
    ? '-'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const range = (s: Spread | undefined, digits = 0) => (s ? `${fmt(s.min, digits)}–${fmt(s.max, digits)}` : '-');

function sideCells(s: Side | undefined): string[] {
  if (!s) return ['-', '-', '-', '-'];
  const latency = s.p50 === undefined ? '-' : `${fmt(s.p50)}/${fmt(s.p99)} ms`;
  const last = s.peakRssMb !== undefined ? `RSS ${fmt(s.peakRssMb)} MB` : fmt(s.non2xx);
  return [`${fmt(s.throughput)} (${range(s.spread)})`, latency, last, fmt(s.cpuUs)];
}

/** The results as a Markdown table (printed, and pasted into the README). */
export function toMarkdown(report: Report): string {
  const lines = [
    '| scenario | unit | app median (min–max) | p50/p99 | non-2xx | CPU µs/req | baseline median (min–max) | p50/p99 | non-2xx | CPU µs/req | app/baseline (min–max) | noisy |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const row of report.rows) {
    const app = row.missing ? [`route missing (${row.missing})`, '', '', ''] : sideCells(row.app);
    const ratio = row.ratio === undefined ? '-' : `**${fmt(row.ratio, 3)}×** (${range(row.ratioSpread, 3)})`;
    const noisy = row.noisy ? `**noisy**: ${row.noise}` : 'no';
    lines.push(
      `| ${row.scenario} | ${row.unit} | ${app.join(' | ')} | ${sideCells(row.baseline).join(' | ')} | ${ratio} | ${noisy} |`,
    );
  }
  const extras = report.rows.flatMap((row) => (row.extras ?? []).map((extra) => ({ row, extra })));
  if (extras.length > 0) {
    lines.push('', '| scenario | compared with | its median (min–max) | app / it |', '|---|---|---:|---:|');
    for (const { row, extra } of extras)
      lines.push(
        `| ${row.scenario} | ${extra.name} | ${fmt(extra.side.throughput)} (${range(extra.side.spread)}) | ${fmt(extra.appOverExtra, 3)}× |`,
      );
  }
  if (report.targets.length > 0) {
    lines.push('', '| target | wanted | measured | met |', '|---|---|---:|---|');
    for (const t of report.targets)
      lines.push(
        `| ${t.what} | ${t.wanted} | ${t.measured} | ${t.met ? 'yes' : '**no**'}${t.noisy ? ' (noisy)' : ''} |`,
      );
  }
  return lines.join('\n');
}

export function writeJson(file: string, report: Report): void {
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

const escapeXml = (text: string) => text.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);

/** A bar per scenario: the app's median throughput as a share of the baseline's, the spread as a whisker. */
export function writeSvg(file: string, report: Report): void {
  const rowHeight = 26;
  const left = 170;
  const width = 720;
  const barMax = width - left - 150;
  const top = 48;
  const height = top + report.rows.length * rowHeight + 34;
  const scale = Math.max(0.5, ...report.rows.map((r) => Math.min(r.ratioSpread?.max ?? 0, 1)));
  const x = (ratio: number) => Math.round((left + (Math.min(ratio, scale) / scale) * barMax) * 10) / 10;
  const title = `users-service / raw baseline (${report.database}): median throughput ratio, min–max whisker`;
  const subtitle = `${report.date.slice(0, 16).replace('T', ' ')} UTC, ${report.machine}, Node ${report.node}, ${report.connections} connections, ${report.rounds} rounds × ${report.durationSeconds} s, ${report.workers} process(es)${report.apiToken ? ', API_TOKEN on' : ''}`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="10" y="36" fill="#555" font-size="11">${escapeXml(subtitle)}</text>`,
  ];
  for (let tick = 0; tick <= scale + 1e-9; tick += scale / 4) {
    parts.push(`<line x1="${x(tick)}" y1="${top - 4}" x2="${x(tick)}" y2="${height - 28}" stroke="#ddd"/>`);
    parts.push(`<text x="${x(tick)}" y="${height - 14}" text-anchor="middle" fill="#555">${tick.toFixed(2)}×</text>`);
  }
  report.rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    parts.push(`<text x="${left - 8}" y="${y + 15}" text-anchor="end">${escapeXml(row.scenario)}</text>`);
    if (row.ratio === undefined) {
      const why = row.missing ? `route missing (${row.missing})` : 'not measured';
      parts.push(`<text x="${left + 4}" y="${y + 15}" fill="#a00">${escapeXml(why)}</text>`);
      return;
    }
    const colour = row.noisy ? '#c44' : '#3b6ea8';
    parts.push(
      `<rect x="${left}" y="${y + 5}" width="${(x(row.ratio) - left).toFixed(1)}" height="12" fill="${colour}"/>`,
    );
    if (row.ratioSpread)
      parts.push(
        `<line x1="${x(row.ratioSpread.min)}" y1="${y + 11}" x2="${x(row.ratioSpread.max)}" y2="${y + 11}" stroke="#222" stroke-width="1.5"/>`,
      );
    const label = `${row.ratio.toFixed(3)}×${row.noisy ? '  NOISY' : ''}`;
    const labelX = Math.max(x(row.ratio), row.ratioSpread ? x(row.ratioSpread.max) : 0) + 6;
    parts.push(
      `<text x="${labelX}" y="${y + 15}" font-size="11"${row.noisy ? ' fill="#c44" font-weight="bold"' : ''}>${escapeXml(label)}</text>`,
    );
  });
  parts.push('</svg>');
  writeFileSync(file, `${parts.join('\n')}\n`);
}
