export {
  halfcheetahDisabled,
  HalfCheetahEnv,
  HALFCHEETAH_JOINTS,
  TRAIN_DISABLED_JOINTS,
  TEST_DISABLED_JOINT,
  PARTIAL_POWER_SCALE,
  disabledJointParams,
  partialPowerTestParams,
  validateHalfCheetahParams,
} from './halfcheetah.js';
export type { HalfCheetahParams } from './halfcheetah.js';
