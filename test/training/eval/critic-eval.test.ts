import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TransitionColumns } from '../../../training/batch.js';
import { calibrationBins, discountedViolation, evaluateCritic, expectedCalibrationError, reliabilitySpec, renderSvg, svgToPng, violationWithin } from '../../../training/eval/index.js';

/** Two episodes of 1-D transitions: [0 -> 1 -> 2 (violation)] and [5 -> 6 -> 7] (no violation). */
function twoEpisodes(): TransitionColumns {
  const obs = Float32Array.of(0, 1, 2, 5, 6, 7);
  const nextObs = Float32Array.of(1, 2, 3, 6, 7, 8);
  const constraint = Uint8Array.of(0, 0, 1, 0, 0, 0);
  return { size: 6, observationSize: 1, actionSize: 1, obs, action: new Float32Array(6), nextObs, constraint, done: constraint.slice() };
}

describe('critic evaluation', () => {
  it('labels violations within the horizon, per episode', () => {
    assert.deepEqual([...violationWithin(twoEpisodes(), 1)], [0, 0, 1, 0, 0, 0]);
    assert.deepEqual([...violationWithin(twoEpisodes(), 2)], [0, 1, 1, 0, 0, 0]);
    assert.deepEqual([...violationWithin(twoEpisodes(), 10)], [1, 1, 1, 0, 0, 0]);
  });

  it('computes the discounted violation outcome G_t = c + (1 - c) gamma G_t+1', () => {
    const g = [...discountedViolation(twoEpisodes(), 0.5)];
    assert.deepEqual(g, [0.25, 0.5, 1, 0, 0, 0]);
  });

  it('bins predictions for a reliability diagram and computes the calibration error', () => {
    const bins = calibrationBins([0.05, 0.15, 0.95, 0.91], [0, 0, 1, 0], 10);
    assert.deepEqual(bins.map((b) => [b.lower, b.count]), [[0, 1], [0.1, 1], [0.9, 2]]);
    assert.ok(Math.abs(bins[2].predicted - 0.93) < 1e-12 && bins[2].observed === 0.5);
    assert.ok(Math.abs(expectedCalibrationError(bins) - (0.25 * 0.05 + 0.25 * 0.15 + 0.5 * 0.43)) < 1e-12);
  });

  it('scores a critic that predicts the outcome perfectly with AUROC 1', async () => {
    const data = twoEpisodes();
    const result = await evaluateCritic(() => discountedViolation(data, 0.5), data, { gammaRisk: 0.5, horizon: 2 });
    assert.equal(result.auroc, 1);
    assert.equal(result.positives, 2);
  });

  it('renders a reliability diagram to SVG and PNG', async () => {
    const svg = await renderSvg(reliabilitySpec([{ label: 'mesa', bins: calibrationBins([0.1, 0.9], [0, 1]) }], 'test'));
    assert.match(svg, /^<svg/);
    assert.match(svg, /predicted risk/);
    const png = svgToPng(svg, 300);
    assert.deepEqual([...png.slice(1, 4)], [0x50, 0x4e, 0x47]);
  });
});
