"""PyTorch twin of test/bench/model-worker.ts: the same model work as a plain PyTorch eager loop.

usage: model_torch.py '<json config>'    (see model-worker.ts for the modes and fields)
Prints one JSON line with the measurements.
"""
import torch
import torch.nn.functional as F

from fastai_twin import adamw, autocast, build, config, cpu_seconds, emit, grad_scaler, now, preprocess, rss_mib, set_hypers


def make_batches(cfg, count):
    g = torch.Generator().manual_seed(1)
    bs, size = cfg["bs"], cfg["size"]
    return [(torch.randint(0, 256, (bs, size, size, 3), dtype=torch.uint8, generator=g),
             torch.randint(0, cfg["nOut"], (bs,), generator=g)) for _ in range(count)]


def model_for(cfg):
    model = build(cfg["nOut"], arch=cfg.get("arch", "resnet34")).to(cfg.get("device", "cpu"))
    if cfg["channelsLast"]:
        model = model.to(memory_format=torch.channels_last)
    return model


def train(cfg):
    """Steps of a plain eager loop; `variant` 'tuned' uses what PyTorch 1.13 offers beyond its defaults."""
    model = model_for(cfg)
    device = cfg.get("device", "cpu")
    tuned = cfg.get("variant") == "tuned"
    opt = adamw(model, foreach=True) if tuned else adamw(model)
    scaler = grad_scaler(cfg["precision"])
    model.train()
    batches = make_batches(cfg, min(4, cfg["warmup"] + cfg["steps"]))
    lrs = [cfg.get("lr", 1e-3)] * 3
    times, rss = [], {}
    every = cfg.get("rssEvery", 0)
    for k in range(cfg["warmup"] + cfg["steps"]):
        start = now()
        images, labels = batches[k % len(batches)]
        set_hypers(opt, lrs)
        x = preprocess(images, cfg["channelsLast"], device)
        with autocast(cfg["precision"], device):
            loss = F.cross_entropy(model(x).float(), labels.to(device))
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=tuned)
        loss.item()
        times.append(now() - start)
        if every and (k + 1) % every == 0:
            rss[k + 1] = rss_mib()
    return {"stepSeconds": times[cfg["warmup"]:], "rssMiB": rss, "peakMiB": rss_mib("VmHWM")}


def head(cfg):
    """The fastai head's share of a training step: its forward and backward alone (concat pool,
    BatchNorm, linear layers, loss), on features of the body's output shape, beside whole steps.
    Its linear layers are the model's matrix products that go to the BLAS; the body's
    convolutions run on oneDNN."""
    full = train(cfg)["stepSeconds"]
    model = model_for(cfg).train()
    body, head_ = model[0], model[1]
    (images, labels), = make_batches(cfg, 1)
    with torch.no_grad():
        features = body(preprocess(images, cfg["channelsLast"]))
    times = []
    for _ in range(cfg["warmup"] + cfg["steps"]):
        start = now()
        x = features.detach().requires_grad_()
        loss = F.cross_entropy(head_(x), labels)
        loss.backward()
        loss.item()
        times.append(now() - start)
    return {"stepSeconds": full, "headSeconds": times[cfg["warmup"]:]}


def evaluate(cfg):
    """getPreds: eval-mode forward and loss over a loader, probabilities of every item at the end."""
    model = model_for(cfg).eval()
    device = cfg.get("device", "cpu")
    batches = make_batches(cfg, cfg["batches"])
    passes = []
    for p in range(cfg["warmup"] + cfg["passes"]):
        start = now()
        with torch.inference_mode():
            logits, losses = [], []
            for images, labels in batches:
                with autocast(cfg["precision"], device):
                    out = model(preprocess(images, cfg["channelsLast"], device)).float()
                losses.append(F.cross_entropy(out, labels.to(device)).item())
                logits.append(out.cpu())
            probs = torch.cat(logits).softmax(1)
        assert probs.shape[0] == cfg["batches"] * cfg["bs"]
        passes.append(now() - start)
    return {"passSeconds": passes[cfg["warmup"]:], "images": cfg["batches"] * cfg["bs"]}


def predict(cfg):
    """Latency of one image: preprocess, eval forward, probabilities."""
    model = model_for(cfg).eval()
    device = cfg.get("device", "cpu")
    (images, _), = make_batches({**cfg, "bs": 1}, 1)
    times = []
    for _ in range(cfg["warmup"] + cfg["calls"]):
        start = now()
        with torch.inference_mode(), autocast(cfg["precision"], device):
            model(preprocess(images, cfg["channelsLast"], device)).float().softmax(1).cpu()
        times.append(now() - start)
    return {"callSeconds": times[cfg["warmup"]:]}


def main():
    cfg = config()
    mode = cfg["mode"]
    cpu = cpu_seconds()
    result = {"train": train, "head": head, "eval": evaluate, "predict": predict}[mode](cfg)
    result["cpuSeconds"] = cpu_seconds() - cpu
    emit(result)


if __name__ == "__main__":
    main()
