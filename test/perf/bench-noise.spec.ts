import { describe, expect, it } from 'vitest';
import { hostSpeed, QUIET_REFERENCES } from '../../bench/reference.ts';
import { hasSettled, noiseReason } from '../../bench/rounds.ts';

const config = { machine: '2 × AMD EPYC, 24 GiB', database: 'sqlite', workers: 1, connections: 64 };

/**
 * The bench's rules for when a figure may be quoted. The case that made them: on 2026-12-04 the
 * host served the baseline's get-user at 8 848 req/s in the calibration and ~12 400 in the rounds,
 * every round agreeing, and the run called itself quiet.
 */
describe('the bench notices a noisy run', () => {
  it('marks a run whose baseline serves a fifth of its quiet reference as slow, even when every round agrees', () => {
    const speed = hostSpeed(new Map([['get-user', 8_848]]), config);
    expect(speed?.share).toBeCloseTo(8_848 / 46_000, 3);
    expect(speed?.slow).toMatch(/^host slow: the baseline's calibration at 19% of its quiet reference$/);
    const reason = noiseReason(
      [
        { name: 'baseline', rounds: [12_386, 12_485, 13_841] },
        { name: 'app', rounds: [3_220, 2_899, 3_245] },
      ],
      8_848,
      speed?.slow,
    );
    expect(reason).toBe(speed?.slow);
  });

  it('accepts a host at its usual speed, and compares only the scenarios the reference has', () => {
    const speed = hostSpeed(
      new Map([
        ['get-user', 44_000],
        ['create-user', 14_500],
        ['list-posts', 1],
      ]),
      config,
    );
    expect(speed?.slow).toBeUndefined();
    expect(speed?.share).toBeGreaterThan(0.95);
    expect(noiseReason([{ name: 'baseline', rounds: [44_000, 45_000, 46_000] }], 44_000, speed?.slow)).toBeUndefined();
  });

  it('has no opinion on a machine, database or configuration it holds no reference for', () => {
    expect(hostSpeed(new Map([['get-user', 1]]), { ...config, machine: '8 × Intel Xeon, 32 GiB' })).toBeUndefined();
    expect(hostSpeed(new Map([['get-user', 1]]), { ...config, workers: 2 })).toBeUndefined();
    expect(hostSpeed(new Map([['get-user', 1]]), { ...config, connections: 8 })).toBeUndefined();
    expect(hostSpeed(new Map([['list-posts', 1]]), config)).toBeUndefined();
    expect(QUIET_REFERENCES.some((r) => r.database === 'postgresql')).toBe(true);
  });

  it('still marks rounds that disagree by more than 15%, or a baseline below its calibration', () => {
    expect(noiseReason([{ name: 'app', rounds: [100, 120, 100] }])).toBe('app rounds differ by 20%');
    expect(noiseReason([{ name: 'baseline', rounds: [80, 80, 80] }], 100)).toBe(
      'baseline at 80% of its calibration (100)',
    );
  });
});

describe('the warm-up', () => {
  it('has not settled while the server answers nothing, though those slices agree', () => {
    expect(hasSettled([0, 0, 0])).toBe(false);
    expect(hasSettled([0, 0, 5])).toBe(false);
    expect(hasSettled([990, 1000, 1010])).toBe(true);
    expect(hasSettled([800, 1000, 1010])).toBe(false);
  });
});
