#!/usr/bin/env node
/**
 * The node's executable, as launch files run it: `node dist/ros/main.js --ros-args …`. Exits 2
 * with one message when ROS 2 or rclnodejs is missing or the node cannot start.
 */
import { runShieldNode } from './run-node.js';

try {
  await runShieldNode(process.argv);
  process.exit(0);
} catch (e) {
  console.error(`mesa_shield: ${e instanceof Error ? e.message : String(e)}`);
  if (process.env.MESA_SHIELD_DEBUG && e instanceof Error) console.error(e.stack);
  process.exit(2);
}
