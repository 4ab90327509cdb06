/**
 * What the baseline serves on a quiet machine of the kind the figures are measured on, so that a run
 * on a slow host says so. The calibration at the start of a run only compares the baseline with
 * itself a minute earlier: on 2026-12-04 the host served the baseline's get-user at 8 848 req/s
 * (a fifth of its usual ~46 000), both servers were starved alike, every round agreed, and the run
 * called itself quiet at 0.234× — a ratio the host's speed made, as the first lesson said.
 */
import { median } from './rounds.ts';

/** A calibration below this share of its reference marks every scenario of the run noisy. */
export const MIN_REFERENCE_SHARE = 0.7;

export interface QuietReference {
  /** Matched against machineDescription() (`2 × AMD EPYC, 24 GiB`). */
  machine: RegExp;
  database: 'sqlite' | 'postgresql';
  workers: number;
  connections: number;
  /** The baseline's throughput per scenario, in the scenario's unit. */
  baseline: Record<string, number>;
  /** Where the figures come from. */
  source: string;
}

export const QUIET_REFERENCES: QuietReference[] = [
  {
    machine: /^2 × AMD EPYC\b/,
    database: 'sqlite',
    workers: 1,
    connections: 64,
    // get-user and create-user: issue 13's quiet run (46 113 and 13 977 req/s); the rest: the
    // baseline's medians in the API_TOKEN run of 2026-12-03, whose baseline rounds agreed within 8%.
    baseline: {
      'get-user': 46_000,
      'create-user': 14_000,
      'update-user': 13_000,
      'list-users': 9_400,
      'filter-by-name': 27_000,
    },
    source: 'issue 13 and bench/results/api-token.txt (2026-12-03)',
  },
  {
    machine: /^2 × AMD EPYC\b/,
    database: 'postgresql',
    workers: 1,
    connections: 64,
    // Issue 13's measurement: a node:http + pg server, pool of 10, named prepared statements.
    baseline: { 'get-user': 15_200, 'create-user': 8_300 },
    source: 'issue 13 (PostgreSQL 15 on the same cores)',
  },
];

export interface HostSpeed {
  /** The calibration's median share of the reference over the scenarios both have. */
  share: number;
  /** The line the bench prints. */
  note: string;
  /** Set when the host is too slow for the run's figures to be quoted. */
  slow?: string;
}

/**
 * The host's speed as the baseline's calibration shows it against the quiet reference for this
 * machine and configuration, or `undefined` with no reference to compare with.
 */
export function hostSpeed(
  calibrations: Map<string, number>,
  config: { machine: string; database: string; workers: number; connections: number },
  references: QuietReference[] = QUIET_REFERENCES,
): HostSpeed | undefined {
  const reference = references.find(
    (r) =>
      r.machine.test(config.machine) &&
      r.database === config.database &&
      r.workers === config.workers &&
      r.connections === config.connections,
  );
  if (!reference) return undefined;
  const shares = [...calibrations]
    .filter(([name]) => reference.baseline[name] !== undefined)
    .map(([name, rate]) => rate / reference.baseline[name]);
  if (shares.length === 0) return undefined;
  const share = median(shares);
  const percent = `${(share * 100).toFixed(0)}%`;
  const note = `host speed: the baseline's calibration at ${percent} of what it serves on a quiet machine of this kind (${reference.source})`;
  return share < MIN_REFERENCE_SHARE
    ? { share, note, slow: `host slow: the baseline's calibration at ${percent} of its quiet reference` }
    : { share, note };
}
