/**
 * rclnodejs is loaded only when the node starts, through a module name held in a variable, so
 * that nothing else (and not `tsc`) needs it. Without a sourced ROS 2 or without rclnodejs the
 * node cannot run; the error says which is missing and how to get it, in one message.
 */
import type { Rclnodejs } from './rclnodejs-api.js';

export class RosUnavailableError extends Error {
  override readonly name = 'RosUnavailableError';
}

/** ROS 2 distributions older than Humble, which rclnodejs 2 does not support. */
const TOO_OLD = new Set(['ardent', 'bouncy', 'crystal', 'dashing', 'eloquent', 'foxy', 'galactic']);

const NEEDS = 'the ROS 2 node needs a sourced ROS 2 (Humble or newer) and an installed rclnodejs';
const HOW =
  'Install ROS 2 (https://docs.ros.org/en/jazzy/Installation.html), run `source /opt/ros/<distro>/setup.bash`, ' +
  'then `npm install rclnodejs` in the mesa-shield folder, which builds it against the sourced ROS 2 ' +
  '(README, "Deploying on a robot with ROS 2")';

/** What is wrong with the environment for ROS 2, or null when a ROS 2 of Humble or newer is sourced. */
export function rosEnvironmentProblem(env: Readonly<Record<string, string | undefined>>): string | null {
  const distro = env.ROS_DISTRO;
  if (!distro) return 'no ROS 2 is sourced (ROS_DISTRO is not set)';
  if (env.ROS_VERSION === '1') return `ROS_DISTRO is ${distro}, a ROS 1 distribution`;
  if (TOO_OLD.has(distro)) return `the sourced ROS 2 is ${distro}, older than Humble`;
  return null;
}

const RCLNODEJS = 'rclnodejs';

/** Imports rclnodejs, or throws a `RosUnavailableError` saying what is missing and how to get it. */
export async function loadRclnodejs(env: Readonly<Record<string, string | undefined>> = process.env, moduleName = RCLNODEJS): Promise<Rclnodejs> {
  const problem = rosEnvironmentProblem(env);
  if (problem) throw new RosUnavailableError(`${NEEDS}: ${problem}. ${HOW}.`);
  let loaded: { default?: Rclnodejs } & Partial<Rclnodejs>;
  try {
    loaded = await import(moduleName);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why =
      code === 'ERR_MODULE_NOT_FOUND' && (e as Error).message.includes(`'${moduleName}'`)
        ? `${moduleName} is not installed`
        : `${moduleName} is installed but does not load (${(e as Error).message.split('\n')[0]})`;
    throw new RosUnavailableError(`${NEEDS}: ${why}. ${HOW}.`);
  }
  // rclnodejs is CommonJS: its exports arrive as the default export.
  return (loaded.default ?? loaded) as Rclnodejs;
}
