// Optimizer choices. The update runs natively; the Learner keeps each group's hyper-parameters
// (starting from these defaults) and passes them with every step.
import type { GroupHypers, OptimizerKind } from '../model/types.js';
import { argError, checkFraction, checkKeys, checkNonNegative, checkOptionsObject, checkPositive } from './args.js';

/** An optimizer and the hyper-parameters every group starts with (lr comes from the Learner). */
export interface OptimizerSpec {
  readonly kind: OptimizerKind;
  readonly defaults: Readonly<Omit<GroupHypers, 'lr'>>;
}

type Defaults = Partial<Omit<GroupHypers, 'lr'>>;

function spec(where: string, kind: OptimizerKind, defaults: Omit<GroupHypers, 'lr'>, given: unknown): OptimizerSpec {
  const options = checkOptionsObject(where, given);
  checkKeys(where, options, ['mom', 'sqrMom', 'eps', 'wd']);
  const d = { ...defaults, ...(options as Defaults) };
  const mom = checkFraction(`${where}: mom`, d.mom);
  if (mom === 1) throw argError(`${where}: mom`, 'a number in [0, 1)', mom);
  const sqrMom = checkFraction(`${where}: sqrMom`, d.sqrMom);
  if (sqrMom === 1) throw argError(`${where}: sqrMom`, 'a number in [0, 1)', sqrMom);
  return {
    kind,
    defaults: { mom, sqrMom, eps: checkPositive(`${where}: eps`, d.eps), wd: checkNonNegative(`${where}: wd`, d.wd) },
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

export function checkOptimizer(where: string, value: unknown): OptimizerSpec {
  const o = value as OptimizerSpec;
  if (value === null || typeof value !== 'object' || (o.kind !== 'adam' && o.kind !== 'sgd') || typeof o.defaults !== 'object') {
    throw argError(where, 'an optimizer from adam() or sgd()', value);
  }
  return (o.kind === 'adam' ? adam : sgd)({ ...o.defaults });
}
