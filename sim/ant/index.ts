export { AntEnv, antDisabled, checkAntParams, ANT_LEGS, ANT_OBSERVATION_SIZE, ANT_ACTION_SIZE } from './ant.js';
export type { AntParams } from './ant.js';
