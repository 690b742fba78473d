export { navigation1, navigation2, NavigationEnv, insideAny, NAVIGATION1_OBSTACLES, NAVIGATION2_OBSTACLES } from './navigation.js';
export type { Rect } from './navigation.js';
