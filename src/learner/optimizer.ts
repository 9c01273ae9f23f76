// Optimizer choices. The update runs natively; the Learner keeps each group's hyper-parameters
// (starting from these defaults) and passes them with every step.
import { checkNumber, checkOptions, invalidParameterError } from '../core/validate.js';
import type { GroupHypers, OptimizerKind } from '../model/types.js';

/** An optimizer and the hyper-parameters every group starts with (lr comes from the Learner). */
export interface OptimizerSpec {
  readonly kind: OptimizerKind;
  readonly defaults: Readonly<Omit<GroupHypers, 'lr'>>;
}

type Defaults = Partial<Omit<GroupHypers, 'lr'>>;

function spec(where: string, kind: OptimizerKind, defaults: Omit<GroupHypers, 'lr'>, given: unknown): OptimizerSpec {
  const options = checkOptions(where, given, ['mom', 'sqrMom', 'eps', 'wd']);
  const d = { ...defaults, ...(options as Defaults) };
  const mom = checkNumber(where, 'mom', d.mom, { min: 0, max: 1, maxOpen: true });
  const sqrMom = checkNumber(where, 'sqrMom', d.sqrMom, { min: 0, max: 1, maxOpen: true });
  return {
    kind,
    defaults: { mom, sqrMom, eps: checkNumber(where, 'eps', d.eps, { min: 0, minOpen: true }), wd: checkNumber(where, 'wd', d.wd, { min: 0 }) },
  };
}

/** fastai's Adam: beta1 `mom` 0.9, beta2 `sqrMom` 0.99, eps 1e-5, decoupled weight decay 0.01. */
export function adam(options: Defaults = {}): OptimizerSpec {
  return spec('adam', 'adam', { mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0.01 }, options);
}

/** fastai's SGD: momentum 0, weight decay 0 (fitOneCycle schedules the momentum). */
export function sgd(options: Defaults = {}): OptimizerSpec {
  return spec('sgd', 'sgd', { mom: 0, sqrMom: 0.99, eps: 1e-5, wd: 0 }, options);
}

export function checkOptimizer(where: string, name: string, value: unknown): OptimizerSpec {
  const o = value as OptimizerSpec;
  if (value === null || typeof value !== 'object' || (o.kind !== 'adam' && o.kind !== 'sgd') || typeof o.defaults !== 'object') {
    throw invalidParameterError(where, name, 'an optimizer from adam() or sgd()', value);
  }
  return (o.kind === 'adam' ? adam : sgd)({ ...o.defaults });
}
