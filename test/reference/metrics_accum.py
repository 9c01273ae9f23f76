"""Metrics over a whole validation set (fastai's AccumMetric wrappers of scikit-learn), on seeded outputs.

Each input is a set of raw model outputs (float32, n x k) with targets: class indices (binary and
multiclass), multi-hot rows (multi-label) or values (regression). Edge cases: a class never
predicted, a class predicted but never a target, a class in neither (between present ones), tied
scores (duplicated output rows with other targets), a label without positives, a constant
regression target. Each case applies fastai's activation (argmax, softmax, sigmoid + threshold)
in torch float32, then scikit-learn's function; NaN where scikit-learn raises (an undefined area).
`accuracy_multi` is fastai's own per-batch formula in torch float32, on the whole set.
Regression references are scikit-learn in float64 on the exact float32 values.
"""
import os
import warnings

import numpy as np
import sklearn
import sklearn.metrics as skm
import torch

from common import out_dir, write_safetensors

# scikit-learn warns on each division by zero it scores as 0; those cases are deliberate.
warnings.filterwarnings("ignore", module="sklearn")
torch.manual_seed(0)
g = torch.Generator().manual_seed(15)


def randn(*shape):
    return torch.randn(*shape, generator=g)


def randint(high, n):
    return torch.randint(0, high, (n,), generator=g)


def duplicated(x, y_of):
    """x followed by a copy of itself: every score tied with another item's, targets drawn afresh."""
    return torch.cat([x, x]), torch.cat([y_of(len(x)), y_of(len(x))])


inputs = {}

# Binary: plain; tied (duplicated rows); class 1 never predicted.
inputs["binary"] = (randn(50, 2), randint(2, 50))
inputs["binary_ties"] = duplicated(randn(25, 2), lambda n: randint(2, n))
one_sided = randn(30, 2)
one_sided[:, 1] -= 10
inputs["binary_one_sided"] = (one_sided, randint(2, 30))

# Multiclass, 7 classes: targets in {0, 1, 3, 4, 5}; class 2 in neither targets nor predictions,
# class 3 never predicted, class 6 predicted but never a target.
x = randn(73, 7)
x[:, 2] -= 10
x[:, 3] -= 10
x[::4, 6] += 3
y = torch.tensor([0, 1, 3, 4, 5])[randint(5, 73)]
inputs["multiclass"] = (x, y)
# Multiclass with every class present and tied scores, for the areas.
x, y = duplicated(randn(40, 4), lambda n: randint(4, n))
y[:4] = torch.arange(4)
inputs["multiclass_ties"] = (x, y)

# Multi-label, 5 labels: plain; tied (duplicated rows); label 4 without positives and label 2
# never predicted.
inputs["multilabel"] = (randn(40, 5), (torch.rand(40, 5, generator=g) < 0.4).float())
inputs["multilabel_ties"] = duplicated(torch.round(randn(20, 5)), lambda n: (torch.rand(n, 5, generator=g) < 0.5).float())
x = randn(36, 5)
x[:, 2] -= 10
t = (torch.rand(36, 5, generator=g) < 0.4).float()
t[:, 4] = 0
inputs["multilabel_edge"] = (x, t)

# Regression: one and three outputs per item; a constant target.
inputs["regression"] = (randn(37, 1), randn(37, 1))
inputs["regression3"] = (randn(20, 3), randn(20, 3) * 2 + 1)
inputs["regression_const"] = (randn(25, 1), torch.full((25, 1), 0.75))

SINGLE_AVERAGES = ["micro", "macro", "weighted"]
LABEL_AVERAGES = ["micro", "macro", "weighted", "samples"]
cases = []


def case(input_name, metric, value, args=(), options=None):
    cases.append({"input": input_name, "metric": metric, "args": list(args), "options": options or {}, "expected": value})


def guarded(f):
    try:
        return float(f())
    except ValueError:
        return float("nan")


def single_label(name, binary):
    x, y = inputs[name]
    preds, targs = x.argmax(-1).numpy(), y.numpy()
    probs = torch.softmax(x, dim=-1).numpy()
    averages = (["binary"] if binary else []) + SINGLE_AVERAGES
    for average in averages:
        kw = dict(average=average)
        case(name, "F1Score", skm.f1_score(targs, preds, **kw), options=kw)
        case(name, "Precision", skm.precision_score(targs, preds, **kw), options=kw)
        case(name, "Recall", skm.recall_score(targs, preds, **kw), options=kw)
        case(name, "FBeta", skm.fbeta_score(targs, preds, beta=2, **kw), args=[2], options=kw)
        case(name, "FBeta", skm.fbeta_score(targs, preds, beta=0.5, **kw), args=[0.5], options=kw)
    if binary:
        case(name, "F1Score", skm.f1_score(targs, preds, pos_label=0), options={"posLabel": 0})
        case(name, "RocAucBinary", guarded(lambda: skm.roc_auc_score(targs, probs[:, -1])))
        # With two classes RocAuc scores the last column (scikit-learn asks for RocAucBinary there).
        case(name, "RocAuc", guarded(lambda: skm.roc_auc_score(targs, probs[:, -1])))
    else:
        for multi_class, averages in [("ovr", ["macro", "weighted", "micro"]), ("ovo", ["macro", "weighted"])]:
            for average in averages:
                value = guarded(lambda: skm.roc_auc_score(targs, probs, multi_class=multi_class, average=average))
                case(name, "RocAuc", value, options={"multiClass": multi_class, "average": average})
    case(name, "MatthewsCorrCoef", skm.matthews_corrcoef(targs, preds))
    case(name, "BalancedAccuracy", skm.balanced_accuracy_score(targs, preds))
    case(name, "BalancedAccuracy", skm.balanced_accuracy_score(targs, preds, adjusted=True), options={"adjusted": True})
    case(name, "CohenKappa", skm.cohen_kappa_score(targs, preds))
    for weights in ["linear", "quadratic"]:
        case(name, "CohenKappa", skm.cohen_kappa_score(targs, preds, weights=weights), options={"weights": weights})


def multi_label(name):
    x, y = inputs[name]
    targs = y.numpy().astype(np.int64)
    for thresh, sigmoid in [(0.5, True), (0.3, True), (0.1, False)]:
        scores = torch.sigmoid(x) if sigmoid else x
        preds = (scores >= thresh).numpy().astype(np.int64)
        opts = {"thresh": thresh, "sigmoid": sigmoid}
        for average in LABEL_AVERAGES:
            kw = dict(average=average)
            case(name, "F1ScoreMulti", skm.f1_score(targs, preds, **kw), options={**opts, **kw})
            case(name, "PrecisionMulti", skm.precision_score(targs, preds, **kw), options={**opts, **kw})
            case(name, "RecallMulti", skm.recall_score(targs, preds, **kw), options={**opts, **kw})
            case(name, "FBetaMulti", skm.fbeta_score(targs, preds, beta=2, **kw), args=[2], options={**opts, **kw})
        # fastai's accuracy_multi decides with `>`, in float32.
        acc = (((scores > thresh) == y.bool()).float().mean()).item()
        case(name, "accuracyMulti", acc, options=opts)
    for sigmoid in [True, False]:
        scores = (torch.sigmoid(x) if sigmoid else x).numpy()
        for average in LABEL_AVERAGES:
            value = guarded(lambda: skm.roc_auc_score(targs, scores, average=average))
            case(name, "RocAucMulti", value, options={"sigmoid": sigmoid, "average": average})


def regression(name):
    x, y = inputs[name]
    preds, targs = x.reshape(-1).double().numpy(), y.reshape(-1).double().numpy()
    case(name, "rmse", np.sqrt(skm.mean_squared_error(targs, preds)))
    case(name, "mae", skm.mean_absolute_error(targs, preds))
    case(name, "R2Score", skm.r2_score(targs, preds))


for name in ["binary", "binary_ties", "binary_one_sided"]:
    single_label(name, binary=True)
for name in ["multiclass", "multiclass_ties"]:
    single_label(name, binary=False)
for name in ["multilabel", "multilabel_ties", "multilabel_edge"]:
    multi_label(name)
for name in ["regression", "regression3", "regression_const"]:
    regression(name)

tensors = {}
for name, (x, y) in inputs.items():
    tensors[f"{name}_outputs"] = x.float().contiguous()
    tensors[f"{name}_targets"] = y.to(torch.int32) if y.dtype == torch.int64 else y.float().contiguous()
tensors["expected"] = torch.tensor([c["expected"] for c in cases], dtype=torch.float64)
out = out_dir()
write_safetensors(
    os.path.join(out, "metrics_accum.safetensors"),
    tensors,
    {
        "inputs": list(inputs),
        "cases": [{k: v for k, v in c.items() if k != "expected"} for c in cases],
        "sklearn": sklearn.__version__,
        "torch": torch.__version__,
    },
)
