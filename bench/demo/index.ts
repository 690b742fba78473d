export { runDemo } from './demo.js';
export type { DemoEvents, DemoResult } from './demo.js';
export { DEFAULT_DEMO, QUICK_DEMO, demoDeviations, demoSettingsSchema } from './settings.js';
export type { DemoSettings } from './settings.js';
