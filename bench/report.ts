import { writeFileSync } from 'node:fs';

/** One server's numbers for one scenario. */
export interface Side {
  /** req/s, or rows/s for row scenarios. */
  throughput: number;
  p50?: number;
  p99?: number;
  non2xx?: number;
  errors?: number;
  peakRssMb?: number;
  /**
   * Server CPU time per request in microseconds: robust to a busy machine, where req/s mostly
   * measures how much CPU the scheduler gave the server.
   */
  cpuUs?: number;
}

export interface Row {
  scenario: string;
  unit: 'req/s' | 'rows/s';
  /** Set when the app does not serve the route yet: the probe's status. */
  missing?: string;
  app?: Side;
  baseline?: Side;
  ratio?: number;
  /** With `--before`: the earlier build's numbers and app/before. */
  before?: Side;
  afterBefore?: number;
}

export interface Report {
  date: string;
  machine: string;
  node: string;
  connections: number;
  durationSeconds: number;
  workers: number;
  rows: Row[];
}

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const side = (s: Side | undefined) =>
  s
    ? [
        fmt(s.throughput),
        s.p50 === undefined ? '-' : `${s.p50}/${s.p99} ms`,
        s.peakRssMb !== undefined ? `${fmt(s.peakRssMb)} MB` : fmt(s.non2xx),
        fmt(s.cpuUs),
      ]
    : ['-', '-', '-', '-'];

/** Baseline CPU per request over the app's: the share of the ceiling's efficiency, immune to a busy machine. */
export function cpuRatio(row: Row): number | undefined {
  return row.app?.cpuUs && row.baseline?.cpuUs ? row.baseline.cpuUs / row.app.cpuUs : undefined;
}

/** The results as a Markdown table (printed, and pasted into the README). */
export function toMarkdown(report: Report): string {
  const lines = [
    '| scenario | unit | app | p50/p99 | non-2xx (export: peak RSS) | CPU µs/req | baseline | p50/p99 | non-2xx (export: peak RSS) | CPU µs/req | app/baseline throughput | app/baseline CPU efficiency |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of report.rows) {
    if (row.missing) {
      lines.push(
        `| ${row.scenario} | ${row.unit} | route missing (${row.missing}) | | | | ${side(row.baseline).join(' | ')} | - | - |`,
      );
      continue;
    }
    const efficiency = cpuRatio(row);
    lines.push(
      `| ${row.scenario} | ${row.unit} | ${side(row.app).join(' | ')} | ${side(row.baseline).join(' | ')} | ${row.ratio === undefined ? '-' : `${fmt(row.ratio, 3)}×`} | ${efficiency === undefined ? '-' : `${fmt(efficiency, 3)}×`} |`,
    );
  }
  return lines.join('\n');
}

export function writeJson(file: string, report: Report): void {
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

const escapeXml = (text: string) => text.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);

/** A horizontal bar per scenario: the app's throughput as a share of the baseline's. */
export function writeSvg(file: string, report: Report): void {
  const rowHeight = 28;
  const left = 130;
  const width = 640;
  const barMax = width - left - 70;
  const top = 44;
  const height = top + report.rows.length * rowHeight + 34;
  const x = (ratio: number) => Math.round((left + Math.min(ratio, 1) * barMax) * 10) / 10;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">users-service / raw node:http + better-sqlite3: <tspan fill="#3b6ea8">throughput</tspan>, <tspan fill="#e08a2c">CPU per request</tspan></text>`,
    `<text x="10" y="34" fill="#555">${escapeXml(`${report.date.slice(0, 10)}, ${report.machine}, Node ${report.node}, ${report.connections} connections, ${report.durationSeconds} s, ${report.workers} process(es) each`)}</text>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${x(tick)}" y1="${top - 4}" x2="${x(tick)}" y2="${height - 28}" stroke="#ddd"/>`);
    parts.push(`<text x="${x(tick)}" y="${height - 14}" text-anchor="middle" fill="#555">${tick.toFixed(2)}×</text>`);
  }
  report.rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    parts.push(`<text x="${left - 8}" y="${y + 17}" text-anchor="end">${escapeXml(row.scenario)}</text>`);
    if (row.ratio === undefined) {
      parts.push(
        `<text x="${left + 4}" y="${y + 17}" fill="#a00">${escapeXml(row.missing ? `route missing (${row.missing})` : 'not measured')}</text>`,
      );
      return;
    }
    parts.push(
      `<rect x="${left}" y="${y + 4}" width="${(x(row.ratio) - left).toFixed(1)}" height="9" fill="#3b6ea8"/>`,
    );
    parts.push(`<text x="${x(row.ratio) + 4}" y="${y + 12}" font-size="10">${row.ratio.toFixed(3)}× req/s</text>`);
    const efficiency = cpuRatio(row);
    if (efficiency !== undefined) {
      parts.push(
        `<rect x="${left}" y="${y + 14}" width="${(x(efficiency) - left).toFixed(1)}" height="9" fill="#e08a2c"/>`,
      );
      parts.push(
        `<text x="${x(efficiency) + 4}" y="${y + 22}" font-size="10">${efficiency.toFixed(3)}× CPU efficiency</text>`,
      );
    }
  });
  parts.push('</svg>');
  writeFileSync(file, `${parts.join('\n')}\n`);
}
