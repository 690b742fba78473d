export { collect, collectToFolder, defaultPolicies } from './collect.js';
export type { BehaviourPolicy, CollectOptions, SacCollector } from './collect.js';
export { navigationTransitions } from './navigation-generators.js';
export { randomEpisodes } from './random-episodes.js';
