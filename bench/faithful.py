#!/usr/bin/env python3
"""Faithfulness check of bsq's Bw-SQ trainer against a PyTorch reference.

bsq exports its exact starting point with `bsq train --dump-init DIR`:
init.json (network, thresholds, standardization, input formats, split,
hyperparameters), data.bin (x then y, float64), batches.bin (the data rows
of every batch, int32), losses.csv (bsq's loss of every batch) and
epochs.csv (bsq's per-epoch mean training loss and validation MSE).

This script builds the same network in PyTorch (soft bits
sigmoid((x - t) / tau), Linear/ReLU stack, MSE, torch.optim.Adam), starts
it from those weights and thresholds, feeds it the same batches in the same
order with the same tau schedule, keeps the weights of the best validation
epoch (hard bits) and finally measures the hardware-true test MSE through
integer codes and integer thresholds (docs/design.md 2.1-2.3).

It then compares, epoch by epoch, bsq's and PyTorch's training losses and
the final test MSE.  Exit status 0 when the agreement goals hold:
the epoch losses of the first 3 epochs agree to --loss-tol relative, and
the final hardware-true test MSE to --mse-tol relative.

Usage: faithful.py DIR MODEL.json [--loss-tol 1e-4] [--mse-tol 0.02]
"""
import argparse
import csv
import json
import math
import os
import sys

import numpy as np
import torch


def load(dirname):
    with open(os.path.join(dirname, "init.json")) as f:
        init = json.load(f)
    n, F = init["rows"], init["F"]
    raw = np.fromfile(os.path.join(dirname, "data.bin"), dtype="<f8")
    assert raw.size == n * F + n, "data.bin: %d values, expected %d" % (raw.size, n * F + n)
    x = raw[: n * F].reshape(n, F)
    y = raw[n * F:]
    order = np.fromfile(os.path.join(dirname, "batches.bin"), dtype="<i4")
    with open(os.path.join(dirname, "losses.csv")) as f:
        losses = [(int(r["epoch"]), int(r["batch"]), float(r["loss"])) for r in csv.DictReader(f)]
    with open(os.path.join(dirname, "epochs.csv")) as f:
        epochs = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(f)]
    return init, x, y, order, losses, epochs


class BwSQ(torch.nn.Module):
    """Soft bits of every threshold, then the MLP (Schrödter et al. 2026)."""

    def __init__(self, init):
        super().__init__()
        self.feat_of = torch.tensor(init["feat_of"], dtype=torch.long)
        self.thr = torch.nn.Parameter(torch.tensor(init["thresholds"], dtype=torch.float32))
        dims = init["dims"]
        layers = []
        for l, spec in enumerate(init["layers"]):
            lin = torch.nn.Linear(dims[l], dims[l + 1])
            with torch.no_grad():
                lin.weight.copy_(torch.tensor(spec["weight"], dtype=torch.float32).reshape(dims[l + 1], dims[l]))
                lin.bias.copy_(torch.tensor(spec["bias"], dtype=torch.float32))
            layers.append(lin)
            if l + 1 < len(init["layers"]):
                layers.append(torch.nn.ReLU())
                if init["dropout"] > 0:
                    layers.append(torch.nn.Dropout(init["dropout"]))
        self.mlp = torch.nn.Sequential(*layers)

    def soft(self, x, tau):
        return torch.sigmoid((x[:, self.feat_of] - self.thr) / tau)

    def hard(self, x):
        return (x[:, self.feat_of] > self.thr).to(torch.float32)

    def forward(self, bits):
        return self.mlp(bits).squeeze(1)


def hw_mse(model, init, x, y_std, rows):
    """Hardware-true MSE: physical x -> integer codes -> integer thresholds
    -> levels (as bits in trained order) -> the network."""
    mu, sigma = np.array(init["mu"]), np.array(init["sigma"])
    fmts = init["formats"]
    thr = model.thr.detach().numpy().astype(np.float64)
    feat = np.array(init["feat_of"])
    codes = np.empty((len(rows), init["F"]), dtype=np.int64)
    for f, fm in enumerate(fmts):
        c = np.floor((x[rows, f] - fm["offset"]) / fm["scale"] + 0.5)
        codes[:, f] = np.clip(c, fm["lo"], fm["hi"]).astype(np.int64)
    T = np.empty(len(thr), dtype=np.int64)
    for d, f in enumerate(feat):
        fm = fmts[f]
        tc = (thr[d] * sigma[f] + mu[f] - fm["offset"]) / fm["scale"]
        T[d] = int(np.clip(math.floor(tc), fm["lo"] - 1, fm["hi"]))
    bits = (codes[:, feat] > T[None, :]).astype(np.float32)
    with torch.no_grad():
        pred = model(torch.from_numpy(bits)).double().numpy()
    return float(np.mean((pred - y_std[rows]) ** 2))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("model", help="the model bsq wrote (-o) in the same run")
    ap.add_argument("--loss-tol", type=float, default=1e-4)
    ap.add_argument("--mse-tol", type=float, default=0.02)
    ap.add_argument("--epochs-checked", type=int, default=3)
    a = ap.parse_args()

    torch.set_num_threads(1)
    init, x, y, order, bsq_losses, bsq_epochs = load(a.dir)
    if init["method"] != "bw-sq":
        sys.exit("faithful.py: the reference implements bw-sq, the dump is %s" % init["method"])
    mu, sigma = np.array(init["mu"]), np.array(init["sigma"])
    # bsq standardizes in double, then rounds to float32
    xs = torch.from_numpy(((x - mu) / sigma).astype(np.float32))
    y_std = (y - init["y_mu"]) / init["y_sigma"]
    ys = torch.from_numpy(y_std.astype(np.float32))
    train, val, test = (np.array(init[k]) for k in ("train", "val", "test"))
    E, Bsz, n_train = init["epochs"], init["batch"], len(train)
    assert order.size == E * n_train, "batches.bin: %d rows, expected %d" % (order.size, E * n_train)

    model = BwSQ(init)
    opt = torch.optim.Adam(model.parameters(), lr=init["lr"], betas=(0.9, 0.999),
                           eps=1e-8, weight_decay=init["weight_decay"])
    tau = 1.0
    tau_step = float(init["tau_decay"]) ** (1.0 / E)
    best_val, best_state, best_epoch = math.inf, None, 0
    ref_epochs, ref_batches = [], []
    for e in range(E):
        rows = order[e * n_train:(e + 1) * n_train]
        model.train()
        loss_sum = 0.0
        for b0 in range(0, n_train, Bsz):
            r = torch.from_numpy(rows[b0:b0 + Bsz].astype(np.int64))
            xb, yb = xs[r], ys[r]
            opt.zero_grad()
            pred = model(model.soft(xb, np.float32(tau)))
            loss = torch.mean((pred - yb) ** 2)
            loss.backward()
            opt.step()
            ref_batches.append(loss.item())
            loss_sum += loss.item() * len(r)
        tau = max(tau * tau_step, 1e-4)
        model.eval()
        with torch.no_grad():
            rv = torch.from_numpy(val.astype(np.int64))
            pv = model(model.hard(xs[rv])).double().numpy()
            v = float(np.mean((pv - y_std[val]) ** 2))
        if v < best_val:
            best_val, best_epoch = v, e + 1
            best_state = {k: t.clone() for k, t in model.state_dict().items()}
        ref_epochs.append((loss_sum / n_train, v))
    model.load_state_dict(best_state)
    model.eval()
    ref_hw = hw_mse(model, init, x, y_std, test)

    with open(a.model) as f:
        bsq_model = json.load(f)
    bsq_hw = bsq_model["metrics"]["mse_test_hw"]

    print("epoch  bsq train loss   torch train loss  rel diff   bsq val     torch val   rel diff")
    worst = 0.0
    for e, (rl, rv) in enumerate(ref_epochs):
        bl, bv = bsq_epochs[e]["train_loss"], bsq_epochs[e]["val_mse"]
        dl, dv = abs(bl - rl) / abs(rl), abs(bv - rv) / abs(rv)
        if e < a.epochs_checked:
            worst = max(worst, dl)
        if e < 10 or e == E - 1 or (e + 1) % max(1, E // 10) == 0:
            print("%5d  %.9f  %.9f  %.2e   %.7f  %.7f  %.2e" % (e + 1, bl, rl, dl, bv, rv, dv))
    nb = min(len(bsq_losses), len(ref_batches))
    rel_b = [abs(bsq_losses[i][2] - ref_batches[i]) / abs(ref_batches[i]) for i in range(nb)]
    first = [r for i, r in enumerate(rel_b) if bsq_losses[i][0] <= a.epochs_checked]
    print("batch losses, first %d epochs: max rel diff %.2e over %d batches"
          % (a.epochs_checked, max(first), len(first)))
    print("batch losses, all epochs:      max rel diff %.2e, median %.2e"
          % (max(rel_b), float(np.median(rel_b))))
    print("best epoch: bsq %d, torch %d" % (bsq_model["training"]["best_epoch"], best_epoch))
    dm = abs(bsq_hw - ref_hw) / ref_hw
    print("hardware-true test MSE: bsq %.6f, torch %.6f, rel diff %.2e" % (bsq_hw, ref_hw, dm))
    ok = worst <= a.loss_tol and dm <= a.mse_tol
    print("epoch losses (first %d epochs) within %.0e: %s; test MSE within %.0f%%: %s"
          % (a.epochs_checked, a.loss_tol, "yes" if worst <= a.loss_tol else "NO",
             100 * a.mse_tol, "yes" if dm <= a.mse_tol else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
