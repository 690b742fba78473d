import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { Rng } from '../../sim/index.js';
import { auroc } from '../../training/eval/auroc.js';
import type { ModelSpec } from '../../training/models.js';
import { RiskLearner } from '../../training/risk-learner.js';
import { adapt, train, type TrainInputs } from '../../training/train.js';
import { arraySource, toyTransitions } from '../support/data.js';
import { useTrainingBackend } from '../support/tf.js';

function tinySpec(method: ModelSpec['method'], criticArchitecture: ModelSpec['criticArchitecture']): ModelSpec {
  return { method, domain: 'toy', observationSize: 1, actionLow: [-1], actionHigh: [1], criticArchitecture, criticHidden: [16, 16], recoveryKind: method === 'mesa' ? 'deterministic' : 'gaussian' };
}

function inputs(method: ModelSpec['method'], architecture: ModelSpec['criticArchitecture'], iterations: number): TrainInputs {
  const rng = new Rng(5);
  const train = [0, 0.05, -0.05].map((shift) => arraySource(toyTransitions(rng, 400, shift)));
  return {
    method,
    spec: tinySpec(method, architecture),
    train,
    pooled: arraySource(toyTransitions(rng, 1200)),
    test: arraySource(toyTransitions(rng, 300)),
    gammaRisk: 0.5,
    iterations,
    batchSize: 64,
    seed: 11,
    maml: { innerBatch: 32, outerBatch: 32, taskBatch: 2 },
  };
}

describe('train', () => {
  before(useTrainingBackend);

  it('learns a critic that ranks violating transitions above safe ones (RRL on toy data, AUROC > 0.9)', async () => {
    // A short risk horizon, so that the critic's target is close to the immediate-violation label.
    const result = await train({ ...inputs('rrl', 'twin-mlp', 600), gammaRisk: 0.1 });
    assert.equal(result.completed, true);
    const held = toyTransitions(new Rng(99), 500);
    const { critic, recovery } = result.models;
    const learner = new RiskLearner(critic, result.models.criticValues, recovery, result.models.recoveryValues, { gammaRisk: 0.1, criticLr: 0, recoveryLr: 0, target: 'online', tau: 0 });
    const score = auroc(learner.risk(held.obs, held.action, held.size), held.constraint);
    learner.dispose();
    assert.ok(score !== null && score > 0.9, `AUROC ${score}`);
  });

  for (const [method, architecture] of [['mesa', 'weight-transform'], ['multitask', 'twin-mlp']] as const) {
    it(`resumes ${method} from a checkpoint to exactly the numbers of an uninterrupted run`, async () => {
      const straight = await train(inputs(method, architecture, 6));
      const dir = join(mkdtempSync(join(tmpdir(), 'mesa-ckpt-')), 'ckpt');
      const stop = new AbortController();
      const first = await train(inputs(method, architecture, 6), {
        checkpointDir: dir,
        onProgress: (p) => p.iteration === 3 && stop.abort(),
        signal: stop.signal,
      });
      assert.equal(first.completed, false);
      assert.equal(first.iterations, 3);
      const resumed = await train(inputs(method, architecture, 6), { checkpointDir: dir, resume: true });
      assert.equal(resumed.completed, true);
      assert.equal(resumed.iterations, 6);
      assert.deepEqual(resumed.models.criticValues, straight.models.criticValues);
      assert.deepEqual(resumed.models.recoveryValues, straight.models.recoveryValues);
    });
  }

  it('continues Multi-Task\'s phase-1 Adam in phase 2, and starts MESA\'s afresh', async () => {
    const data = arraySource(toyTransitions(new Rng(3), 200));
    const steps = (r: { phaseState: { meta: Record<string, unknown> } }) => (r.phaseState.meta.optimizers as { critic: { step: number } }).critic.step;
    const mt = await train(inputs('multitask', 'twin-mlp', 4));
    const mtAdapted = await adapt({ models: mt.models, phaseState: mt.phaseState, data, gammaRisk: 0.5, iterations: 3, batchSize: 32, seed: 1 });
    assert.equal(steps(mtAdapted), 7);
    const mesa = await train(inputs('mesa', 'weight-transform', 2));
    const mesaAdapted = await adapt({ models: mesa.models, phaseState: mesa.phaseState, data, gammaRisk: 0.5, iterations: 3, batchSize: 32, seed: 1 });
    assert.equal(steps(mesaAdapted), 3);
  });

  it('adapts a MESA critic on test data without touching the task policy', async () => {
    const base = await train(inputs('mesa', 'weight-transform', 3));
    const before = base.models.criticValues.map((v) => v.slice());
    const policyBefore = base.models.taskPolicyValues;
    const adapted = await adapt({ models: base.models, data: arraySource(toyTransitions(new Rng(3), 200)), gammaRisk: 0.5, iterations: 5, batchSize: 64, seed: 1 });
    assert.equal(adapted.iterations, 5);
    assert.notDeepEqual(adapted.models.criticValues, before);
    assert.deepEqual(adapted.models.taskPolicyValues, policyBefore);
  });
});
