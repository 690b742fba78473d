import { Command } from 'commander';

/** `ros`: the shield as a ROS 2 node. ros/ (and rclnodejs) load only when the command runs. */
export function rosCommand(): Command {
  return new Command('ros')
    .description('run the shield as the ROS 2 lifecycle node mesa_shield between a controller and the robot (needs a sourced ROS 2, Humble or newer, and rclnodejs; see the README)')
    .argument('[ros-args...]', 'ROS arguments, e.g. --ros-args --params-file launch/params.yaml -p bundle:=models/navigation1-mesa -r cmd_vel_out:=/cmd_vel')
    .allowUnknownOption()
    .action(async () => {
      const { runShieldNode } = await import('../ros/index.js');
      await runShieldNode(process.argv);
      // rclnodejs is shut down by now; nothing else should keep a stopped node's process alive.
      process.exit(0);
    });
}
