export { auroc } from './auroc.js';
export { calibrationBins, expectedCalibrationError } from './calibration.js';
export type { CalibrationBin } from './calibration.js';
export { continues, discountedViolation, violationWithin } from './episodes.js';
export { evaluateCritic, horizonFor, reliabilitySpec } from './critic-eval.js';
export type { CriticEvaluation, RiskFn } from './critic-eval.js';
export { renderSvg, svgToPng } from './plot.js';
export { bundleRisk } from './onnx-risk.js';
