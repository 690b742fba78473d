export { exportBundle } from './bundle.js';
export type { ExportBundleOptions } from './bundle.js';
export { criticToOnnx, policyToOnnx } from './onnx.js';
