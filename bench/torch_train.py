#!/usr/bin/env python3
"""Reference: the same Bw-SQ training step in PyTorch, for throughput.

    torch_train.py --hidden 5x32 --threads 1 [--epochs 6] [--rows 40768]

Friedman #1 (10 uniform features, the distribution bsq's friedman1 draws
from), inputs and target standardized, the train split as large as bsq's
(rows - 10% test, then 3/4 of the rest). Soft-bit layer: per feature
2^bits - 1 thresholds at the training quantiles, s = sigmoid((x - t) / tau)
for every threshold; then Linear, ReLU, ..., Linear(., 1); MSE; Adam
(lr 1e-3); batch 512; tau decays after every epoch as in bsq. Each epoch
is a fresh permutation of the train split in batches of 512 (the last one
shorter). The first epoch is warm-up and not timed. Prints one JSON line
with samples/s (median and best epoch). No validation pass is timed, which
favours PyTorch slightly (bsq's epochs include one).
"""
import argparse
import json
import math
import statistics
import time

import numpy as np
import torch


def parse_hidden(spec):
    if "x" in spec:
        k, w = spec.split("x")
        return [int(w)] * int(k)
    return [int(v) for v in spec.split(",")]


class SoftBits(torch.nn.Module):
    """s[b, f*K + k] = sigmoid((x[b, f] - t[f, k]) / tau)."""

    def __init__(self, thresholds):
        super().__init__()
        self.t = torch.nn.Parameter(thresholds)  # (F, K)
        self.tau = 1.0

    def forward(self, x):  # x (B, F)
        s = torch.sigmoid((x.unsqueeze(2) - self.t.unsqueeze(0)) / self.tau)
        return s.reshape(x.shape[0], -1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", default="5x32")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--rows", type=int, default=40768)
    ap.add_argument("--bits", type=int, default=4)
    ap.add_argument("--batch", type=int, default=512)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    rng = np.random.default_rng(0)

    x = rng.uniform(size=(a.rows, 10))
    y = (10 * np.sin(np.pi * x[:, 0] * x[:, 1]) + 20 * (x[:, 2] - 0.5) ** 2
         + 10 * x[:, 3] + 5 * x[:, 4] + rng.normal(size=a.rows))
    n_test = a.rows // 10
    n_train = (a.rows - n_test) - (a.rows - n_test) // 4
    x, y = x[:n_train], y[:n_train]
    x = (x - x.mean(0)) / x.std(0)
    y = (y - y.mean()) / y.std()
    K = 2 ** a.bits - 1
    q = np.arange(1, K + 1) / (K + 1)
    thr = torch.tensor(np.quantile(x, q, axis=0).T.copy(), dtype=torch.float32)
    xt = torch.tensor(x, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.float32).unsqueeze(1)

    widths = [10 * K] + parse_hidden(a.hidden) + [1]
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(torch.nn.ReLU())
    soft = SoftBits(thr)
    net = torch.nn.Sequential(soft, *layers)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()
    tau_step = 1e-3 ** (1.0 / a.epochs)

    times = []
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n_train)
        for b0 in range(0, n_train, a.batch):
            idx = perm[b0:b0 + a.batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        soft.tau = max(soft.tau * tau_step, 1e-4)
        times.append(time.perf_counter() - t0)
    timed = times[1:]
    mlp_params = sum(p.numel() for p in net.parameters()) - soft.t.numel()
    print(json.dumps({
        "hidden": a.hidden, "threads": a.threads, "torch": torch.__version__,
        "n_train": n_train, "batch": a.batch, "mlp_params": mlp_params,
        "samples_per_s_median": n_train / statistics.median(timed),
        "samples_per_s_best": n_train / min(timed),
        "final_loss": float(loss.detach()),
    }))


if __name__ == "__main__":
    main()
