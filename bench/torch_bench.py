#!/usr/bin/python3
"""PyTorch's side of the engine benchmark (bench/engine.sh).

Serves timing requests from bench/Torch.Bench over stdin/stdout, one JSON object per line, so the two
sides can be measured alternately in one run. Run it with Debian's /usr/bin/python3: its torch 1.13 is the
same libtorch our shim links. Every case here has a twin of the same name in bench/Torch.Bench/Cases.cs.

Requests:  {"cmd": "init", "threads": N}          -> {"torch": version, "threads": N, "parallel": text}
           {"cmd": "run", "case": name, "k": K, "reps": R}
                                                   -> {"ns": [R per-rep times, each of K ops, in ns]}
           {"cmd": "quit"}
"""
import json
import sys
import time

import torch
import torch.nn.functional as F


def make_cases():
    """name -> function(K) that runs the op K times. Inputs are bound as default arguments (fast locals),
    and each loop is written out so the figure holds only what a PyTorch user's line of code costs."""
    g = torch.Generator().manual_seed(0)

    def randn(*shape):
        return torch.randn(*shape, generator=g)

    a1, b1 = randn(1), randn(1)
    a4, b4 = randn(4, 4), randn(4, 4)
    acc = torch.zeros(4, 4)
    lx, lw, lb = randn(2, 8), randn(4, 8), randn(4)
    gx, gw, gb = randn(2, 8), randn(4, 8).requires_grad_(), randn(4).requires_grad_()

    def add_1(k, a=a1, b=b1):
        for _ in range(k):
            a + b

    def add_4x4(k, a=a4, b=b4):
        for _ in range(k):
            a + b

    def add_inplace_4x4(k, a=acc, b=b4):
        for _ in range(k):
            a.add_(b)

    def mul_scalar_4x4(k, a=a4):
        for _ in range(k):
            a * 2.0

    def view_4x4(k, a=a4):
        for _ in range(k):
            a.view(16)

    def reshape_4x4(k, a=a4):
        for _ in range(k):
            a.reshape(2, 8)

    def sum_4x4(k, a=a4):
        for _ in range(k):
            a.sum()

    def linear_tiny(k, x=lx, w=lw, b=lb, linear=F.linear):
        for _ in range(k):
            linear(x, w, b)

    def autograd_tiny(k, x=gx, w=gw, b=gb, linear=F.linear):
        for _ in range(k):
            linear(x, w, b).sum().backward()

    cases = {f.__name__: f for f in (add_1, add_4x4, add_inplace_4x4, mul_scalar_4x4, view_4x4, reshape_4x4,
                                     sum_4x4, linear_tiny, autograd_tiny)}

    for n in (64, 256, 512, 1024):
        def matmul(k, a=randn(n, n), b=randn(n, n), mm=torch.matmul):
            for _ in range(k):
                mm(a, b)
        cases[f"matmul_{n}"] = matmul

    convs = {"conv_1x32x64": ((1, 32, 64, 64), (32, 32, 3, 3)),
             "conv_2x64x32": ((2, 64, 32, 32), (64, 64, 3, 3)),
             "conv_1x320x64": ((1, 320, 64, 64), (320, 320, 3, 3))}
    for name, (xs, ws) in convs.items():
        def conv(k, x=randn(*xs), w=randn(*ws), b=randn(ws[0]), conv2d=F.conv2d):
            for _ in range(k):
                conv2d(x, w, b, padding=1)
        cases[name] = conv
    return cases


def main():
    cases = None
    clock = time.perf_counter_ns
    for line in sys.stdin:
        req = json.loads(line)
        cmd = req["cmd"]
        if cmd == "init":
            torch.set_num_threads(int(req["threads"]))
            cases = make_cases()
            reply = {"torch": torch.__version__, "threads": torch.get_num_threads(),
                     "parallel": torch.__config__.parallel_info()}
        elif cmd == "run":
            f, k = cases[req["case"]], int(req["k"])
            times = []
            for _ in range(int(req["reps"])):
                t0 = clock()
                f(k)
                times.append(clock() - t0)
            reply = {"ns": times}
        elif cmd == "quit":
            return
        else:
            reply = {"error": f"unknown command {cmd}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
