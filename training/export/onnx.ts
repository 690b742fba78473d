import { CRITIC_IO, RECOVERY_IO } from '../../models/format/index.js';
import type { DenseStack } from '../nn/dense-stack.js';
import type { FoldedPolicy } from '../policies.js';
import { BATCH_DIM, GraphBuilder, intAttribute } from './onnx-graph.js';

const ACTIVATIONS = new Set(['relu', 'sigmoid', 'tanh', 'linear']);

/**
 * The critic as ONNX: risk = max over heads of head(concat(observation, action)), with inputs
 * `observation` [batch, obs] and `action` [batch, act] and output `risk` [batch, 1].
 */
export function criticToOnnx(heads: readonly DenseStack[], observationSize: number, actionSize: number): Uint8Array {
  checkSize('criticToOnnx: observationSize', observationSize);
  checkSize('criticToOnnx: actionSize', actionSize);
  if (heads.length === 0) throw new Error('criticToOnnx: the critic has no heads');
  heads.forEach((head, k) => {
    const where = `criticToOnnx: head ${k}`;
    checkStack(where, head, observationSize + actionSize);
    const outputs = head[head.length - 1].outputs;
    if (outputs !== 1) throw new Error(`${where}: the last layer has ${outputs} outputs; a risk head has 1`);
  });

  const [obsName, actName] = CRITIC_IO.inputs;
  const g = new GraphBuilder();
  const x = g.node('Concat', [obsName, actName], 'observation_action', [intAttribute('axis', 1)]);
  if (heads.length === 1) {
    g.denseStack('head0', heads[0], x, CRITIC_IO.output);
  } else {
    const values = heads.map((head, k) => g.denseStack(`head${k}`, head, x, `head${k}/risk`));
    g.node('Max', values, CRITIC_IO.output);
  }
  return g.encode(
    'safety_critic',
    [
      { name: obsName, dims: [BATCH_DIM, observationSize] },
      { name: actName, dims: [BATCH_DIM, actionSize] },
    ],
    [{ name: CRITIC_IO.output, dims: [BATCH_DIM, 1] }],
    `Q_risk(s, a): maximum over ${heads.length} head(s) of an MLP over concat(observation, action)`,
  );
}

/** The recovery policy as ONNX: action = tanh-body(observation) * scale + offset, [batch, act]. */
export function policyToOnnx(policy: FoldedPolicy, observationSize: number): Uint8Array {
  const where = 'policyToOnnx';
  checkSize(`${where}: observationSize`, observationSize);
  checkStack(`${where}: body`, policy.body, observationSize);
  const last = policy.body[policy.body.length - 1];
  if (last.activation !== 'tanh') {
    throw new Error(`${where}: the body's last activation is ${last.activation}; scale and offset map tanh's (-1, 1) onto the action box`);
  }
  const act = last.outputs;
  checkVector(`${where}: scaling.scale`, policy.scaling.scale, act);
  checkVector(`${where}: scaling.offset`, policy.scaling.offset, act);

  const g = new GraphBuilder();
  const unit = g.denseStack('body', policy.body, RECOVERY_IO.input, 'action_unit');
  const scaled = g.node('Mul', [unit, g.constant('scale', [act], policy.scaling.scale)], 'action_scaled');
  g.node('Add', [scaled, g.constant('offset', [act], policy.scaling.offset)], RECOVERY_IO.output);
  return g.encode(
    'recovery_policy',
    [{ name: RECOVERY_IO.input, dims: [BATCH_DIM, observationSize] }],
    [{ name: RECOVERY_IO.output, dims: [BATCH_DIM, act] }],
    'pi_rec(s) = tanh(MLP(observation)) * scale + offset',
  );
}

function checkSize(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${what} must be a positive integer, got ${n}`);
}

function checkStack(where: string, stack: DenseStack, inputs: number): void {
  if (stack.length === 0) throw new Error(`${where}: has no layers`);
  let expected = inputs;
  stack.forEach((layer, l) => {
    const at = `${where}, layer ${l}`;
    checkSize(`${at}: outputs`, layer.outputs);
    if (layer.inputs !== expected) {
      throw new Error(
        l === 0
          ? `${at}: takes ${layer.inputs} inputs, expected ${expected}`
          : `${at}: takes ${layer.inputs} inputs but layer ${l - 1} gives ${expected} outputs`,
      );
    }
    if (!ACTIVATIONS.has(layer.activation)) throw new Error(`${at}: unknown activation ${String(layer.activation)}`);
    if (layer.weight.length !== layer.inputs * layer.outputs) {
      throw new Error(`${at}: weight has ${layer.weight.length} values, expected ${layer.inputs} x ${layer.outputs} = ${layer.inputs * layer.outputs}`);
    }
    checkFinite(`${at}: weight`, layer.weight);
    checkVector(`${at}: bias`, layer.bias, layer.outputs);
    expected = layer.outputs;
  });
}

function checkVector(what: string, values: ArrayLike<number>, size: number): void {
  if (values.length !== size) throw new Error(`${what} has ${values.length} values, expected ${size}`);
  checkFinite(what, values);
}

function checkFinite(what: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new Error(`${what}[${i}] is ${values[i]}; every value must be finite`);
  }
}
