import type { DomainSpec } from './core/domain.js';
import { DOMAIN_IDS, type DomainId, type Env, type EnvOptions, type EnvParams } from './core/env.js';
import { SimInputError } from './core/errors.js';
import { antDisabled } from './ant/index.js';
import { cartpoleLength } from './cartpole/index.js';
import { halfcheetahDisabled } from './halfcheetah/index.js';
import { navigation1, navigation2 } from './navigation/index.js';

const DOMAINS: Record<DomainId, DomainSpec> = {
  navigation1,
  navigation2,
  'cartpole-length': cartpoleLength,
  'halfcheetah-disabled': halfcheetahDisabled,
  'ant-disabled': antDisabled,
};

/** Every registered domain, in the paper's order. */
export function listDomains(): DomainSpec[] {
  return DOMAIN_IDS.map((id) => DOMAINS[id]);
}

/** The domain with this id; an unknown id is a `SimInputError` that lists the known ones. */
export function getDomain(id: string): DomainSpec {
  const spec = (DOMAINS as Record<string, DomainSpec | undefined>)[id];
  if (!spec) {
    throw new SimInputError(`unknown domain "${id}"; known domains: ${listDomains().map((d) => d.id).join(', ')}`);
  }
  return spec;
}

/** Builds the environment these parameters describe. */
export function makeEnv(params: EnvParams, options?: EnvOptions): Promise<Env> {
  return getDomain(params.domain).make(params, options);
}
