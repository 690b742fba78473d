"""Launch the mesa_shield node between a controller and the robot.

    ros2 launch <mesa-shield>/launch/shield.launch.py \
        command_in:=/cmd_vel_nav command_out:=/cmd_vel state:=/odom

The node is the package's built entry point (dist/ros/main.js) run by `node`, as rclnodejs
packages are launched. Its parameters come from params_file; `bundle` and `autostart` given
here override it. command_in, command_out and state remap the node's default topic names
(cmd_vel_in, cmd_vel_out, odom); left empty, the topics are those of the parameters.
"""

import os

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.actions import OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

# This file lies in <package>/launch, in the source tree as in an installed share directory.
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


def shield_node(context):
    def arg(name):
        return LaunchConfiguration(name).perform(context)

    overrides = {'autostart': arg('autostart').lower() == 'true'}
    if arg('bundle'):
        overrides['bundle'] = arg('bundle')
    defaults = {'command_in': 'cmd_vel_in', 'command_out': 'cmd_vel_out', 'state': 'odom'}
    remappings = [(topic, arg(name)) for name, topic in defaults.items() if arg(name)]
    return [
        Node(
            executable='node',
            arguments=[os.path.join(PACKAGE_DIR, 'dist', 'ros', 'main.js')],
            name='mesa_shield',
            namespace=arg('namespace') or None,
            cwd=PACKAGE_DIR,
            output='screen',
            parameters=[arg('params_file'), overrides],
            remappings=remappings,
            ros_arguments=['--log-level', arg('log_level')],
        )
    ]


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument(
            'params_file',
            default_value=os.path.join(PACKAGE_DIR, 'launch', 'params.yaml'),
            description='parameters of the node'),
        DeclareLaunchArgument(
            'bundle', default_value='',
            description='model bundle folder; empty: the one in params_file'),
        DeclareLaunchArgument(
            'autostart', default_value='true',
            description='configure and activate on start (false: a lifecycle manager does)'),
        DeclareLaunchArgument('namespace', default_value='', description='namespace of the node'),
        DeclareLaunchArgument(
            'command_in', default_value='',
            description="the controller's command topic the shield reads (remaps cmd_vel_in)"),
        DeclareLaunchArgument(
            'command_out', default_value='',
            description='the robot command topic the shield publishes (remaps cmd_vel_out)'),
        DeclareLaunchArgument(
            'state', default_value='', description='the robot state topic (remaps odom)'),
        DeclareLaunchArgument('log_level', default_value='info', description='ROS log level'),
        OpaqueFunction(function=shield_node),
    ])
