#!/usr/bin/python3
"""Writes nn.json: PyTorch 1.13 reference values for the Torch.NN / Torch.Optim tests.

Run with Debian's python3-torch: /usr/bin/python3 tests/Torch.Tests/Fixtures/gen_nn.py
Tensors are {"dtype", "shape", "data"} with data flattened row-major (float32 values written as exact doubles).
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)


def enc(t):
    t = t.detach()
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
            "data": [float(v) if t.is_floating_point() else int(v) for v in t.flatten().tolist()]}


# ---------------------------------------------------------------- default initialisation
def init_fixture():
    torch.manual_seed(7)
    lin = nn.Linear(5, 3)
    conv = nn.Conv2d(4, 6, (3, 2), groups=2)
    emb = nn.Embedding(4, 3, padding_idx=1)
    lin_nobias = nn.Linear(2, 3, bias=False)
    return {"linear.weight": enc(lin.weight), "linear.bias": enc(lin.bias),
            "conv.weight": enc(conv.weight), "conv.bias": enc(conv.bias),
            "emb.weight": enc(emb.weight), "linear_nobias.weight": enc(lin_nobias.weight)}


# ---------------------------------------------------------------- a small composite model
class Block(nn.Module):
    def __init__(self, ch, dilation):
        super().__init__()
        self.norm = nn.GroupNorm(2, ch)
        self.act = nn.SiLU()
        self.conv = nn.Conv2d(ch, ch, 3, padding=dilation, dilation=dilation, groups=2)

    def forward(self, x):
        return x + self.conv(self.act(self.norm(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_in = nn.Conv2d(3, 4, 3, padding=1)
        self.blocks = nn.ModuleList([Block(4, 1), Block(4, 2)])
        self.down = nn.Conv2d(4, 8, (3, 2), stride=2, padding=(1, 0), bias=False)
        self.emb = nn.Embedding(6, 8)
        self.norm = nn.LayerNorm(8)
        self.mlp = nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.Dropout(0.25), nn.Linear(16, 8))
        self.out = nn.Linear(8, 3)
        self.register_buffer("scale", torch.tensor([1.0, 2.0, 0.5]))
        self.register_buffer("cache", torch.zeros(2), persistent=False)

    def forward(self, x, ids):
        x = self.conv_in(x)
        for block in self.blocks:
            x = block(x)
        tokens = self.down(x).flatten(2).transpose(1, 2)
        tokens = tokens + self.emb(ids)
        tokens = tokens + self.mlp(self.norm(tokens))
        return self.out(tokens) * self.scale


def net_fixture():
    torch.manual_seed(1)
    net = Net().eval()
    with torch.no_grad():
        # Non-trivial norm affines, so their gradients and effect are tested too.
        for name, p in net.named_parameters():
            if "norm" in name:
                p.add_(torch.randn(p.shape) * 0.3)
    x = torch.randn(2, 3, 6, 6)
    ids = torch.randint(0, 6, (2, 9))
    w = torch.randn(2, 9, 3)
    out = net(x, ids)
    (out * w).sum().backward()
    return {
        "state_dict_keys": list(net.state_dict().keys()),
        "named_parameters": [n for n, _ in net.named_parameters()],
        "named_buffers": [n for n, _ in net.named_buffers()],
        "named_modules": [n for n, _ in net.named_modules()],
        "state": {k: enc(v) for k, v in net.state_dict().items()},
        "x": enc(x), "ids": enc(ids), "w": enc(w), "out": enc(out),
        "grads": {n: enc(p.grad) for n, p in net.named_parameters()},
    }


# ---------------------------------------------------------------- optimizers on a tiny MLP regression
OPTIM_STEPS = 5

CONFIGS = {
    "sgd": lambda ps: torch.optim.SGD(ps, lr=0.1),
    "sgd_momentum": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1),
    "sgd_nesterov_wd": lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "sgd_wd_maximize": lambda ps: torch.optim.SGD(ps, lr=0.1, weight_decay=0.05, maximize=True),
    "adam": lambda ps: torch.optim.Adam(ps, lr=0.01, foreach=False),
    "adam_wd_amsgrad": lambda ps: torch.optim.Adam(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1,
                                                   amsgrad=True, foreach=False),
    "adamw": lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1, foreach=False),
    "adamw_groups": lambda ps: torch.optim.AdamW(
        [{"params": ps[:2], "lr": 0.01, "weight_decay": 0.1}, {"params": ps[2:], "lr": 0.03, "weight_decay": 0.0}],
        lr=0.001, foreach=False),
}


def mlp_loss(ps, x, y):
    w1, b1, w2, b2 = ps
    return F.mse_loss(F.linear(torch.tanh(F.linear(x, w1, b1)), w2, b2), y)


def optim_fixture():
    torch.manual_seed(3)
    init = {"w1": torch.randn(4, 3), "b1": torch.randn(4), "w2": torch.randn(2, 4), "b2": torch.randn(2)}
    x = torch.randn(5, 3)
    y = torch.randn(5, 2)
    results = {}
    for name, make in CONFIGS.items():
        ps = [init[k].clone().requires_grad_() for k in ("w1", "b1", "w2", "b2")]
        opt = make(ps)
        for _ in range(OPTIM_STEPS):
            opt.zero_grad()
            mlp_loss(ps, x, y).backward()
            opt.step()
        results[name] = {k: enc(p) for k, p in zip(("w1", "b1", "w2", "b2"), ps)}
    return {"steps": OPTIM_STEPS, "init": {k: enc(v) for k, v in init.items()}, "x": enc(x), "y": enc(y),
            "results": results}


def main():
    fixture = {"torch_version": torch.__version__, "init": init_fixture(), "net": net_fixture(),
               "optim": optim_fixture()}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nn.json")
    with open(path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
