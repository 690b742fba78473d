export { loadMujoco, readAsset, compileModel, MujocoSim } from './runtime.js';
