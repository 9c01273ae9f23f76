// Optimizer hyper-parameters, computed per step by the schedulers and read by the native step.

/** Optimizer hyper-parameters of one parameter group, set before every step. */
export interface GroupHypers {
  lr: number;
  /** Adam's beta1 or SGD's momentum (scheduled by fitOneCycle). */
  mom: number;
  /** Adam's beta2 (fastai: 0.99). */
  sqrMom: number;
  eps: number;
  /** Decoupled weight decay (not applied to BatchNorm and bias parameters unless wdBnBias). */
  wd: number;
}
