#!/usr/bin/env python3
"""Faithfulness check of bsq's trainer against a PyTorch reference.

Methods: bw-sq (the paper's method), sq+ and llt4 / llt9 (baselines), each
written here from its paper's equations (see the classes below), not from
bsq's C code.

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


def make_mlp(init):
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
    return torch.nn.Sequential(*layers)


def int_thresholds(init, thr, feat):
    """Integer thresholds of standardized float thresholds (design 2.2)."""
    mu, sigma = np.array(init["mu"]), np.array(init["sigma"])
    fmts = init["formats"]
    T = np.empty(len(thr), dtype=np.int64)
    for d, f in enumerate(feat):
        fm = fmts[f]
        tc = (float(thr[d]) * sigma[f] + mu[f] - fm["offset"]) / fm["scale"]
        T[d] = int(np.clip(math.floor(tc), fm["lo"] - 1, fm["hi"]))
    return T


class BwSQ(torch.nn.Module):
    """Soft bits of every threshold, then the MLP (Schrödter et al. 2026)."""

    def __init__(self, init):
        super().__init__()
        self.feat_of = torch.tensor(init["feat_of"], dtype=torch.long)
        self.thr = torch.nn.Parameter(torch.tensor(init["thresholds"], dtype=torch.float32))
        self.mlp = make_mlp(init)

    def soft(self, x, tau):
        return torch.sigmoid((x[:, self.feat_of] - self.thr) / tau)

    def hard(self, x):
        return (x[:, self.feat_of] > self.thr).to(torch.float32)

    def forward(self, bits):
        return self.mlp(bits).squeeze(1)

    def hw(self, init, codes):
        feat = np.array(init["feat_of"])
        T = int_thresholds(init, self.thr.detach().numpy(), feat)
        return torch.from_numpy((codes[:, feat] > T[None, :]).astype(np.float32))


class SQPlus(BwSQ):
    """SQplus: SQ's soft steps with a learned height each (Schrödter et al.,
    the paper's SQplus baseline). Feature f's value is
        v_f = a0_f + sum_{i of f} a_i sigmoid((x_f - t_i) / tau),
    heights a_i starting at 2 / n_f and the base a0_f at -1 (SQ's
    2 / n sum - 1); at hard bits sigmoid becomes (x > t)."""

    def __init__(self, init):
        super().__init__(init)
        F, D = init["F"], init["D"]
        n = np.array([2 ** b - 1 for b in init["bits"]])
        feat = np.array(init["feat_of"])
        self.a = torch.nn.Parameter(torch.tensor(2.0 / n[feat], dtype=torch.float32))
        self.a0 = torch.nn.Parameter(-torch.ones(F, dtype=torch.float32))
        onehot = np.zeros((D, F), dtype=np.float32)
        onehot[np.arange(D), feat] = 1
        self.M = torch.from_numpy(onehot)

    def soft(self, x, tau):
        return (torch.sigmoid((x[:, self.feat_of] - self.thr) / tau) * self.a) @ self.M + self.a0

    def hard(self, x):
        return ((x[:, self.feat_of] > self.thr).to(torch.float32) * self.a) @ self.M + self.a0

    def hw(self, init, codes):
        bits = super().hw(init, codes)
        with torch.no_grad():
            return (bits * self.a) @ self.M + self.a0


class LLT(torch.nn.Module):
    """Learnable lookup table (Wang et al., CVPR 2022) on each input
    feature: the training range [lo, hi] gets a fine grid of N = g n cells
    (n = 2^b - 1), a table T = softmax(s) of N learned scores, and the
    quantizer looks up the cumulative table at the input's cell,
        q(x) = round(n * sum_{j <= u(x)} T_j),   u(x) = round((x - lo) / w),
    w = (hi - lo) / N, rounded straight through; the value sent on is
    lo + q (hi - lo) / n. Scores start at 0: a uniform table."""

    def __init__(self, init, xs_train, xs_all, g):
        super().__init__()
        self.g = g
        self.n = [2 ** b - 1 for b in init["bits"]]
        # the range of the standardized training inputs, in double
        self.lo = [float(np.float32(v)) for v in xs_train.min(axis=0)]
        self.hi = [float(np.float32(v)) for v in xs_train.max(axis=0)]
        self.s = torch.nn.ParameterList(
            [torch.nn.Parameter(torch.zeros(g * n, dtype=torch.float32)) for n in self.n])
        # cells u of every row (inputs and range do not change)
        cells = []
        for f in range(init["F"]):
            N = g * self.n[f]
            w = (self.hi[f] - self.lo[f]) / N
            z = (xs_all[:, f].astype(np.float64) - self.lo[f]) / w + 0.5
            cells.append(np.clip(np.ceil(z) - 1, 0, N).astype(np.int64))
        self.cells = torch.from_numpy(np.stack(cells, axis=1))
        self.mlp = make_mlp(init)

    def table(self, f):
        e = torch.exp(self.s[f].double() - self.s[f].double().max())
        c = self.n[f] * torch.cumsum(e, 0) / e.sum()
        return torch.cat([torch.zeros(1, dtype=torch.float64), c])

    def values_of(self, rows):
        cols = []
        for f in range(len(self.n)):
            c = self.table(f)[self.cells[rows, f]]
            q = c + (torch.floor(c + 0.5) - c).detach()
            cols.append(self.lo[f] + q * ((self.hi[f] - self.lo[f]) / self.n[f]))
        return torch.stack(cols, dim=1).to(torch.float32)

    def thresholds(self):
        """t_k = lo + (u_k - 1/2) w, u_k the first cell with q >= k."""
        out = []
        for f in range(len(self.n)):
            N, w = self.g * self.n[f], (self.hi[f] - self.lo[f]) / (self.g * self.n[f])
            with torch.no_grad():
                q = np.floor(self.table(f).numpy() + 0.5)
            for k in range(1, self.n[f] + 1):
                u = int(np.argmax(q >= k))
                out.append(np.float32(self.lo[f] + (u - 0.5) * w))
        return np.array(out, dtype=np.float32)

    def forward(self, v):
        return self.mlp(v).squeeze(1)

    def hw(self, init, codes):
        feat = np.array(init["feat_of"])
        T = int_thresholds(init, self.thresholds(), feat)
        cols = []
        for f in range(len(self.n)):
            k = (codes[:, f:f + 1] > T[None, feat == f]).sum(axis=1)
            v = np.float32(self.lo[f] + k * ((self.hi[f] - self.lo[f]) / self.n[f]))
            cols.append(v.astype(np.float32))
        return torch.from_numpy(np.stack(cols, axis=1))


def hw_mse(model, init, x, y_std, rows):
    """Hardware-true MSE: physical x -> integer codes -> integer thresholds
    -> levels -> the network's input (bits or values) -> the network."""
    fmts = init["formats"]
    codes = np.empty((len(rows), init["F"]), dtype=np.int64)
    for f, fm in enumerate(fmts):
        c = np.floor((x[rows, f] - fm["offset"]) / fm["scale"] + 0.5)
        codes[:, f] = np.clip(c, fm["lo"], fm["hi"]).astype(np.int64)
    with torch.no_grad():
        pred = model(model.hw(init, codes)).double().numpy()
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
    meth = init["method"]
    if meth not in ("bw-sq", "sq+", "llt4", "llt9"):
        sys.exit("faithful.py: the reference implements bw-sq, sq+, llt4 and llt9, "
                 "the dump is %s" % meth)
    mu, sigma = np.array(init["mu"]), np.array(init["sigma"])
    # bsq standardizes in double, then rounds to float32
    xs = torch.from_numpy(((x - mu) / sigma).astype(np.float32))
    y_std = (y - init["y_mu"]) / init["y_sigma"]
    ys = torch.from_numpy(y_std.astype(np.float32))
    train, val, test = (np.array(init[k]) for k in ("train", "val", "test"))
    E, Bsz, n_train = init["epochs"], init["batch"], len(train)
    assert order.size == E * n_train, "batches.bin: %d rows, expected %d" % (order.size, E * n_train)

    if meth == "bw-sq":
        model = BwSQ(init)
    elif meth == "sq+":
        model = SQPlus(init)
    else:
        xd = (x - mu) / sigma
        model = LLT(init, xd[train], xs.numpy(), 4 if meth == "llt4" else 9)
        t0 = model.thresholds()
        bt = np.array(init["thresholds"], dtype=np.float32)
        print("initial thresholds: max |torch - bsq| %.2e" % float(np.max(np.abs(t0 - bt))))
    llt = meth in ("llt4", "llt9")

    def quantized(rows_t, soft_tau=None):
        if llt:
            return model.values_of(rows_t)
        if soft_tau is None:
            return model.hard(xs[rows_t])
        return model.soft(xs[rows_t], soft_tau)
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
            yb = ys[r]
            opt.zero_grad()
            pred = model(quantized(r, np.float32(tau)))
            loss = torch.mean((pred - yb) ** 2)
            loss.backward()
            opt.step()
            ref_batches.append(loss.item())
            loss_sum += loss.item() * len(r)
        tau = max(tau * tau_step, 1e-4)
        model.eval()
        with torch.no_grad():
            rv = torch.from_numpy(val.astype(np.int64))
            pv = model(quantized(rv)).double().numpy()
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
