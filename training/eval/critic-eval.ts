import type { TopLevelSpec } from 'vega-lite';
import type { TransitionColumns } from '../batch.js';
import { auroc } from './auroc.js';
import { calibrationBins, expectedCalibrationError, type CalibrationBin } from './calibration.js';
import { discountedViolation, violationWithin } from './episodes.js';

/** Risk of each transition: a batch of observations and actions in, one value per row out. */
export type RiskFn = (obs: Float32Array, action: Float32Array, size: number) => Float32Array | Promise<Float32Array>;

export interface CriticEvaluation {
  readonly transitions: number;
  /** Transitions followed by a violation within the horizon (the positives of the AUROC). */
  readonly positives: number;
  readonly horizon: number;
  readonly auroc: number | null;
  /** Calibration against the discounted violation outcome G_t along the logged behaviour. */
  readonly bins: readonly CalibrationBin[];
  readonly expectedCalibrationError: number;
}

/** Default horizon for a discount: the effective horizon 1 / (1 - gamma), rounded. */
export function horizonFor(gammaRisk: number): number {
  return Math.max(1, Math.round(1 / (1 - gammaRisk)));
}

export async function evaluateCritic(risk: RiskFn, data: TransitionColumns, options: { gammaRisk: number; horizon?: number; bins?: number }): Promise<CriticEvaluation> {
  const horizon = options.horizon ?? horizonFor(options.gammaRisk);
  const predicted = await risk(data.obs, data.action, data.size);
  if (predicted.length !== data.size) throw new Error(`critic returned ${predicted.length} values for ${data.size} transitions`);
  const labels = violationWithin(data, horizon);
  const bins = calibrationBins(predicted, discountedViolation(data, options.gammaRisk), options.bins ?? 10);
  return {
    transitions: data.size,
    positives: labels.reduce((s, l) => s + l, 0),
    horizon,
    auroc: auroc(predicted, labels),
    bins,
    expectedCalibrationError: expectedCalibrationError(bins),
  };
}

/** Reliability diagram: mean predicted risk against the observed discounted violation, one line per critic. */
export function reliabilitySpec(series: readonly { readonly label: string; readonly bins: readonly CalibrationBin[] }[], title: string): TopLevelSpec {
  const points = series.flatMap((s) => s.bins.map((b) => ({ critic: s.label, predicted: b.predicted, observed: b.observed, count: b.count })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 420,
    height: 420,
    layer: [
      {
        data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
        mark: { type: 'line', strokeDash: [4, 4], color: 'gray' },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: { values: points },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'predicted', type: 'quantitative', title: 'predicted risk Q_risk(s, a)', scale: { domain: [0, 1] } },
          y: { field: 'observed', type: 'quantitative', title: 'observed discounted violation', scale: { domain: [0, 1] } },
          color: { field: 'critic', type: 'nominal' },
          tooltip: [{ field: 'count', type: 'quantitative' }],
        },
      },
    ],
  };
}
