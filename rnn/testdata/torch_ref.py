#!/usr/bin/python3
"""Writes torch_ref.json: PyTorch reference values for rnn's LSTM, GRU and
softmax cross-entropy (inputs, weights, outputs and gradients).

Run once, with Debian's interpreter (apt-get install python3-torch):
    /usr/bin/python3 torch_ref.py
The Go tests read the JSON and never need Python.

Probe loss for the recurrent layers: L = sum(wy*y) + sum(wh*h_T) [+ sum(wc*c_T)],
with y (T,B,H) time-major, nonzero initial state, float64 throughout.
"""
import json

import torch

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)
T, B, D, H = 3, 2, 4, 5


def flat(t):
    return [round(float(v), 12) for v in t.detach().reshape(-1).tolist()]


def recurrent(kind):
    mod = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](D, H)
    x = torch.randn(T, B, D, requires_grad=True)
    h0 = torch.randn(1, B, H, requires_grad=True)
    wy = torch.randn(T, B, H)
    wh = torch.randn(1, B, H)
    if kind == "lstm":
        c0 = torch.randn(1, B, H, requires_grad=True)
        wc = torch.randn(1, B, H)
        y, (hT, cT) = mod(x, (h0, c0))
        loss = (wy * y).sum() + (wh * hT).sum() + (wc * cT).sum()
    else:
        y, hT = mod(x, h0)
        loss = (wy * y).sum() + (wh * hT).sum()
    loss.backward()
    out = {
        "T": T, "B": B, "D": D, "H": H,
        "x": flat(x), "h0": flat(h0), "wy": flat(wy), "wh": flat(wh),
        "weight_ih": flat(mod.weight_ih_l0), "weight_hh": flat(mod.weight_hh_l0),
        "bias_ih": flat(mod.bias_ih_l0), "bias_hh": flat(mod.bias_hh_l0),
        "y": flat(y), "hT": flat(hT), "loss": float(loss),
        "d_weight_ih": flat(mod.weight_ih_l0.grad), "d_weight_hh": flat(mod.weight_hh_l0.grad),
        "d_bias_ih": flat(mod.bias_ih_l0.grad), "d_bias_hh": flat(mod.bias_hh_l0.grad),
        "dx": flat(x.grad), "dh0": flat(h0.grad),
    }
    if kind == "lstm":
        out.update({"c0": flat(c0), "wc": flat(wc), "cT": flat(cT), "dc0": flat(c0.grad)})
    return out


def cross_entropy():
    N, V = 5, 7
    logits = (3 * torch.randn(N, V)).requires_grad_()
    logits.data[2, 4] = 40.0  # a large logit, to exercise the stable log-sum-exp
    targets = torch.tensor([3, -1, 4, 6, 0])
    loss = torch.nn.functional.cross_entropy(logits, targets, ignore_index=-1)
    loss.backward()
    return {"N": N, "V": V, "logits": flat(logits), "targets": targets.tolist(),
            "loss": float(loss), "dlogits": flat(logits.grad)}


ref = {"torch": torch.__version__, "lstm": recurrent("lstm"), "gru": recurrent("gru"),
       "cross_entropy": cross_entropy()}
with open("torch_ref.json", "w") as f:
    json.dump(ref, f, separators=(",", ":"))
    f.write("\n")
