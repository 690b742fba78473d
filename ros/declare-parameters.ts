import { SHIELD_NODE_PARAMETERS, undeclaredParameters, type ParameterKind } from './parameters.js';
import type { RclNode, RclParameter, Rclnodejs } from './rclnodejs-api.js';

export interface DeclaredParameters {
  /** Each declared parameter's value: its override when one was given, else its default. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Parameters rclnodejs refused to declare (an override of the wrong type), as "name: why". */
  readonly problems: readonly string[];
  /** Overrides given to this node that name no parameter of it: typos, which ROS ignores silently. */
  readonly undeclared: readonly string[];
}

function typeCode(rcl: Rclnodejs, kind: ParameterKind): number {
  const t = rcl.ParameterType;
  return { string: t.PARAMETER_STRING, double: t.PARAMETER_DOUBLE, integer: t.PARAMETER_INTEGER, bool: t.PARAMETER_BOOL, string_array: t.PARAMETER_STRING_ARRAY }[kind];
}

/**
 * rclnodejs represents 64-bit integers as bigint since 0.31 and as number before; the default
 * is offered in the form this rclnodejs accepts.
 */
function parameter(rcl: Rclnodejs, name: string, type: number, kind: ParameterKind, value: unknown): RclParameter {
  if (kind !== 'integer') return new rcl.Parameter(name, type, value);
  try {
    return new rcl.Parameter(name, type, BigInt(value as number));
  } catch {
    return new rcl.Parameter(name, type, value);
  }
}

/** Declares every parameter of the node, read-only and described, and reads their values. */
export function declareShieldParameters(rcl: Rclnodejs, node: RclNode): DeclaredParameters {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const spec of SHIELD_NODE_PARAMETERS) {
    const type = typeCode(rcl, spec.kind);
    try {
      const descriptor = new rcl.ParameterDescriptor(spec.name, type, spec.description, true);
      if (spec.constraints) descriptor.additionalConstraints = spec.constraints;
      const declared = node.declareParameter(parameter(rcl, spec.name, type, spec.kind, spec.default), descriptor);
      values[spec.name] = typeof declared.value === 'bigint' ? Number(declared.value) : declared.value;
    } catch (e) {
      problems.push(`${spec.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { values, problems, undeclared: undeclaredParameters(node.getParameterOverrides().map((p) => p.name)) };
}
