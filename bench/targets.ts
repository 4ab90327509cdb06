import type { Report, Row, Target } from './report.ts';

/**
 * The targets of issue 13, checked against every run, so that the last lines of the output say
 * plainly which are met. Ratios are app/baseline medians from the same run.
 */
interface RatioTarget {
  scenario: string;
  min: number;
}

const SQLITE_RATIOS: RatioTarget[] = [
  { scenario: 'get-user', min: 0.2 },
  { scenario: 'create-user', min: 0.22 },
  { scenario: 'update-user', min: 0.2 },
  { scenario: 'list-users', min: 0.15 },
  { scenario: 'filter-by-name', min: 0.15 },
];
const POSTGRES_RATIOS: RatioTarget[] = [
  { scenario: 'get-user', min: 0.25 },
  { scenario: 'create-user', min: 0.28 },
];
/** The request log may cost at most 5% of get-user. */
const LOG_COST_MIN = 0.95;
const BULK_ROWS_MIN = 25_000;
const EXPORT_ROWS_MIN = 150_000;
const EXPORT_RSS_MAX_MB = 200;
const DEEP_CURSOR_P99_MAX_MS = 50;

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

export function evaluateTargets(report: Omit<Report, 'targets' | 'noisy'>): Target[] {
  const byName = new Map(report.rows.map((row) => [row.scenario, row]));
  const targets: Target[] = [];
  const add = (
    row: Row | undefined,
    what: string,
    wanted: string,
    measured: number | undefined,
    ok: (n: number) => boolean,
    show: (n: number) => string,
  ) => {
    if (!row || measured === undefined) return;
    targets.push({ what, wanted, measured: show(measured), met: ok(measured), noisy: row.noisy });
  };
  const ratios = report.database === 'postgresql' ? POSTGRES_RATIOS : SQLITE_RATIOS;
  for (const { scenario, min } of ratios) {
    const row = byName.get(scenario);
    add(
      row,
      `${scenario} app/baseline`,
      `≥ ${min.toFixed(2)}×`,
      row?.ratio,
      (n) => n >= min,
      (n) => `${n.toFixed(3)}×`,
    );
  }
  const getUser = byName.get('get-user');
  const logOff = getUser?.extras?.find((extra) => extra.name.includes('LOG_LEVEL=warn'));
  add(
    getUser,
    'get-user, request log on / LOG_LEVEL=warn',
    `≥ ${LOG_COST_MIN}×`,
    logOff?.appOverExtra,
    (n) => n >= LOG_COST_MIN,
    (n) => `${n.toFixed(3)}×`,
  );
  const bulk = byName.get('bulk-create');
  add(
    bulk,
    'bulk-create',
    `≥ ${fmt(BULK_ROWS_MIN)} rows/s`,
    bulk?.app?.throughput,
    (n) => n >= BULK_ROWS_MIN,
    (n) => `${fmt(n)} rows/s`,
  );
  const exported = byName.get('export');
  add(
    exported,
    'export',
    `≥ ${fmt(EXPORT_ROWS_MIN)} rows/s`,
    exported?.app?.throughput,
    (n) => n >= EXPORT_ROWS_MIN,
    (n) => `${fmt(n)} rows/s`,
  );
  add(
    exported,
    'export, peak RSS of a fresh process',
    `< ${EXPORT_RSS_MAX_MB} MB`,
    exported?.app?.peakRssMb,
    (n) => n < EXPORT_RSS_MAX_MB,
    (n) => `${fmt(n)} MB`,
  );
  const cursor = byName.get('list-posts-deep-cursor');
  add(
    cursor,
    'list-posts-deep-cursor p99',
    `< ${DEEP_CURSOR_P99_MAX_MS} ms`,
    cursor?.app?.p99,
    (n) => n < DEEP_CURSOR_P99_MAX_MS,
    (n) => `${fmt(n)} ms`,
  );
  if (report.workers > 1) {
    for (const row of report.rows)
      if (row.app && (row.app.non2xx ?? 0) + (row.app.errors ?? 0) > 0)
        targets.push({
          what: `${row.scenario} with ${report.workers} workers`,
          wanted: '0 non-2xx',
          measured: `${row.app.non2xx} non-2xx, ${row.app.errors} errors`,
          met: false,
          noisy: row.noisy,
        });
  }
  return targets;
}
