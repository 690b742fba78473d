export { HELD_OUT_FILE, collect, collectToFolder, defaultPolicies } from './collect.js';
export type { BehaviourPolicy, Collection, CollectOptions, DatasetRole, SacCollector } from './collect.js';
export { navigationTransitions } from './navigation-generators.js';
export { randomEpisodes } from './random-episodes.js';
export { sacCollector } from './sac-collector.js';
