import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RosUnavailableError, loadRclnodejs, rosEnvironmentProblem } from '../../ros/index.js';

describe('loading rclnodejs', () => {
  it('tells a missing, a ROS 1 and a too old ROS 2 apart from a usable one', () => {
    assert.equal(rosEnvironmentProblem({}), 'no ROS 2 is sourced (ROS_DISTRO is not set)');
    assert.equal(rosEnvironmentProblem({ ROS_DISTRO: 'noetic', ROS_VERSION: '1' }), 'ROS_DISTRO is noetic, a ROS 1 distribution');
    assert.equal(rosEnvironmentProblem({ ROS_DISTRO: 'foxy', ROS_VERSION: '2' }), 'the sourced ROS 2 is foxy, older than Humble');
    assert.equal(rosEnvironmentProblem({ ROS_DISTRO: 'humble', ROS_VERSION: '2' }), null);
    assert.equal(rosEnvironmentProblem({ ROS_DISTRO: 'rolling', ROS_VERSION: '2' }), null);
  });

  it('fails with one message that says what is missing and how to get it', async () => {
    await assert.rejects(loadRclnodejs({}), (e: Error) => {
      assert.ok(e instanceof RosUnavailableError);
      assert.match(e.message, /^the ROS 2 node needs a sourced ROS 2 \(Humble or newer\) and an installed rclnodejs: no ROS 2 is sourced/);
      assert.match(e.message, /source \/opt\/ros\/<distro>\/setup\.bash.*npm install rclnodejs/);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
    await assert.rejects(loadRclnodejs({ ROS_DISTRO: 'jazzy', ROS_VERSION: '2' }, 'rclnodejs-that-is-not-there'), /: rclnodejs-that-is-not-there is not installed\. Install ROS 2/);
  });
});
