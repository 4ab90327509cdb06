/**
 * How the bench turns repeated rounds into one figure it can stand behind: the median, the spread
 * (min–max), and whether the run was noisy. A busy machine starves both servers at random moments,
 * so rounds that disagree, or a baseline slower than it served at the start, mean the ratio measured
 * the scheduler rather than the code.
 */

/** Rounds whose min–max spread exceeds this share of their median make a scenario noisy. */
export const MAX_SPREAD = 0.15;
/** A baseline median below this share of its calibration makes a scenario noisy. */
export const MIN_CALIBRATION_SHARE = 0.85;

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = values.toSorted((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function spreadOf(values: number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** (max − min) / median: 0 when every round agrees. */
export function relativeSpread(values: number[]): number {
  const { median: m, min, max } = spreadOf(values);
  return m > 0 ? (max - min) / m : 0;
}

/**
 * Why a scenario's figures cannot be trusted, or `undefined` when they can: rounds of either side
 * disagreeing by more than MAX_SPREAD, the baseline below MIN_CALIBRATION_SHARE of what a short
 * run at the start of the bench measured on the same route, or a slow host (reference.ts).
 */
export function noiseReason(
  sides: { name: string; rounds: number[] }[],
  baselineCalibration?: number,
  hostSlow?: string,
): string | undefined {
  const reasons: string[] = hostSlow ? [hostSlow] : [];
  for (const side of sides) {
    const spread = relativeSpread(side.rounds);
    if (side.rounds.length > 1 && spread > MAX_SPREAD)
      reasons.push(`${side.name} rounds differ by ${(spread * 100).toFixed(0)}%`);
  }
  const baseline = sides.find((side) => side.name === 'baseline');
  if (baseline && baselineCalibration && baseline.rounds.length > 0) {
    const share = median(baseline.rounds) / baselineCalibration;
    if (share < MIN_CALIBRATION_SHARE)
      reasons.push(`baseline at ${(share * 100).toFixed(0)}% of its calibration (${Math.round(baselineCalibration)})`);
  }
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

/** A warm-up has settled when its last WARM_WINDOW one-second slices agree within WARM_TOLERANCE. */
export const WARM_WINDOW = 3;
export const WARM_TOLERANCE = 0.05;

/**
 * True when the last WARM_WINDOW warm-up slices (throughput per second) agree within
 * WARM_TOLERANCE of their median: the server has stopped getting faster. The app needs this
 * more than the baseline: runs where both warmed 3 s showed the app's rounds rising one after
 * another (get-user 6 597, 7 395, 7 711 req/s; bulk-create 41.8k, 45.1k, 50.6k rows/s) while
 * the baseline's did not, V8 still compiling the app's larger code, and that rise alone made a
 * scenario noisy.
 */
export function hasSettled(slices: number[]): boolean {
  const window = slices.slice(-WARM_WINDOW);
  // A server still answering nothing (0, 0, 5 req/s) has not settled, though its spread reads 0.
  return slices.length >= WARM_WINDOW && median(window) > 0 && relativeSpread(window) <= WARM_TOLERANCE;
}
