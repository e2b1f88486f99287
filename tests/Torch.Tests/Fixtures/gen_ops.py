#!/usr/bin/python3
"""Writes ops.bin: seeded inputs and PyTorch's results for the ops the engine's typed API exposes.

Run with Debian's PyTorch 1.13:  /usr/bin/python3 tests/Torch.Tests/Fixtures/gen_ops.py

Format (little-endian), read by FixtureFile.cs:
  b"TSFX0001", u32 count, then per tensor:
  u16 name length, UTF-8 name, u8 dtype (c10::ScalarType), u8 ndim, i64 sizes[ndim], raw row-major data.
Names: "<case>/i<k>" inputs, "<case>/o<k>" outputs, "<case>/g<k>" output gradients and "<case>/d<k>"
PyTorch's gradients of the float inputs (for cases made with grad=True), "rng/<name>" random streams.
Every case here has a twin, by name, in Ops/OpCases*.cs.
"""
import math
import os
import struct

import torch
import torch.nn.functional as F

torch.manual_seed(0)
entries = []


def add(name, t):
    t = t.detach().contiguous().cpu()
    entries.append((name, t))


def rn(*shape, dtype=torch.float32):
    return torch.randn(shape, dtype=dtype)


def case(name, inputs, fn, grad=False):
    """Stores inputs and outputs of fn(*inputs); with grad, also the gradients of sum(out_k * g_k)."""
    if grad:
        inputs = [x.clone().requires_grad_(x.is_floating_point()) for x in inputs]
    out = fn(*inputs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    for k, x in enumerate(inputs):
        add(f"{name}/i{k}", x)
    for k, y in enumerate(outs):
        add(f"{name}/o{k}", y)
    if grad:
        gs = [rn(*y.shape, dtype=y.dtype) for y in outs]
        diff = [x for x in inputs if x.requires_grad]
        ds = torch.autograd.grad(outs, diff, gs)
        for k, g in enumerate(gs):
            add(f"{name}/g{k}", g)
        for k, d in enumerate(ds):
            add(f"{name}/d{k}", d)


def pos(*shape):
    return rn(*shape).abs() + 0.1


# ---------------------------------------------------------------- convolution
case("conv2d_p1", [rn(2, 4, 8, 8), rn(6, 4, 3, 3), rn(6)], lambda x, w, b: F.conv2d(x, w, b, padding=1))
case("conv2d_s2p1", [rn(1, 4, 9, 9), rn(8, 4, 3, 3), rn(8)], lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), grad=True)
case("conv2d_groups", [rn(1, 6, 7, 7), rn(6, 3, 3, 3)], lambda x, w: F.conv2d(x, w, None, padding=1, groups=2))
case("conv2d_depthwise", [rn(1, 4, 6, 6), rn(4, 1, 3, 3), rn(4)], lambda x, w, b: F.conv2d(x, w, b, groups=4))
case("conv2d_1x1", [rn(2, 8, 5, 5), rn(4, 8, 1, 1), rn(4)], lambda x, w, b: F.conv2d(x, w, b))
case("conv2d_dilation", [rn(1, 3, 9, 9), rn(2, 3, 3, 3), rn(2)], lambda x, w, b: F.conv2d(x, w, b, padding=2, dilation=2))
case("conv2d_rect", [rn(1, 2, 7, 9), rn(3, 2, 3, 1), rn(3)],
     lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 0), dilation=(1, 1)))
case("conv_transpose2d", [rn(1, 4, 5, 5), rn(4, 3, 4, 4), rn(3)],
     lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1), grad=True)
case("conv_transpose2d_outpad", [rn(2, 3, 4, 4), rn(3, 2, 3, 3)],
     lambda x, w: F.conv_transpose2d(x, w, None, stride=2, padding=1, output_padding=1))

# ---------------------------------------------------------------- normalization, linear algebra
case("group_norm", [rn(2, 8, 4, 4) * 2 + 1, rn(8), rn(8)], lambda x, w, b: F.group_norm(x, 4, w, b, 1e-5), grad=True)
case("group_norm_plain", [rn(2, 6, 3, 3)], lambda x: F.group_norm(x, 3, eps=1e-6))
case("layer_norm", [rn(2, 5, 8) + 0.5, rn(8), rn(8)], lambda x, w, b: F.layer_norm(x, [8], w, b, 1e-5), grad=True)
case("layer_norm_2d", [rn(2, 3, 4, 5)], lambda x: F.layer_norm(x, [4, 5], eps=1e-6))
case("linear", [rn(3, 5, 8), rn(6, 8), rn(6)], lambda x, w, b: F.linear(x, w, b), grad=True)
case("linear_nobias", [rn(4, 8), rn(3, 8)], lambda x, w: F.linear(x, w))
case("matmul_2d", [rn(4, 5), rn(5, 3)], torch.matmul)
case("matmul_broadcast", [rn(2, 1, 4, 5), rn(3, 5, 2)], torch.matmul)
case("matmul_vec", [rn(3, 4, 5), rn(5)], torch.matmul)
case("matmul_f64", [rn(4, 6, dtype=torch.float64), rn(6, 3, dtype=torch.float64)], torch.matmul)
case("bmm", [rn(3, 4, 5), rn(3, 5, 6)], torch.bmm)
case("baddbmm", [rn(3, 4, 6), rn(3, 4, 5), rn(3, 5, 6)], lambda c, a, b: torch.baddbmm(c, a, b, beta=0.5, alpha=2.0))
case("baddbmm_beta0", [rn(1, 4, 6), rn(3, 4, 5), rn(3, 5, 6)], lambda c, a, b: torch.baddbmm(c, a, b, beta=0.0, alpha=0.125))
case("einsum", [rn(2, 3, 4), rn(2, 4, 5)], lambda a, b: torch.einsum("bij,bjk->bik", a, b))

# ---------------------------------------------------------------- activations
case("softmax_last", [rn(3, 4, 7) * 3], lambda x: F.softmax(x, -1))
case("softmax_dim1", [rn(3, 4, 7) * 3], lambda x: F.softmax(x, 1))
case("softmax_f64", [rn(3, 4, 7) * 3], lambda x: F.softmax(x, -1, dtype=torch.float64))
case("log_softmax", [rn(3, 4, 7) * 3], lambda x: F.log_softmax(x, -1))
act_in = rn(4, 25) * 3
case("silu", [act_in], F.silu)
case("gelu", [act_in], F.gelu)
case("gelu_tanh", [act_in], lambda x: F.gelu(x, approximate="tanh"))
case("quick_gelu", [act_in], lambda x: x * torch.sigmoid(1.702 * x))
case("sigmoid", [act_in], torch.sigmoid)
case("tanh", [act_in], torch.tanh)
case("relu", [act_in], F.relu)
case("logsigmoid", [act_in], F.logsigmoid)
case("softplus", [act_in], lambda x: F.softplus(x, beta=2.0, threshold=5.0))

# ---------------------------------------------------------------- interpolation, pooling, padding
img = rn(1, 3, 6, 8)
case("interp_nearest_size", [img], lambda x: F.interpolate(x, size=(12, 16), mode="nearest"))
case("interp_nearest_down", [img], lambda x: F.interpolate(x, size=(4, 5), mode="nearest"))
case("interp_nearest_scale2", [img], lambda x: F.interpolate(x, scale_factor=2.0, mode="nearest"))
case("interp_nearest_scale1_5", [img], lambda x: F.interpolate(x, scale_factor=1.5, mode="nearest"))
case("interp_bilinear_size", [img], lambda x: F.interpolate(x, size=(9, 11), mode="bilinear", align_corners=False), grad=True)
case("interp_bilinear_scale2", [img], lambda x: F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False))
case("interp_bilinear_scale1_7", [img], lambda x: F.interpolate(x, scale_factor=1.7, mode="bilinear", align_corners=False))
case("interp_bilinear_align", [img], lambda x: F.interpolate(x, size=(9, 11), mode="bilinear", align_corners=True))
case("interp_bicubic_size", [img], lambda x: F.interpolate(x, size=(10, 13), mode="bicubic", align_corners=False), grad=True)
case("interp_bicubic_scale2", [img], lambda x: F.interpolate(x, scale_factor=2.0, mode="bicubic", align_corners=False))
case("interp_bicubic_scale0_6", [img], lambda x: F.interpolate(x, scale_factor=0.6, mode="bicubic", align_corners=False))
case("interp_bicubic_aa_size", [img], lambda x: F.interpolate(x, size=(3, 5), mode="bicubic", antialias=True), grad=True)
case("interp_bicubic_aa_scale", [img], lambda x: F.interpolate(x, scale_factor=0.5, mode="bicubic", antialias=True))
case("interp_bilinear_aa_size", [img], lambda x: F.interpolate(x, size=(4, 3), mode="bilinear", antialias=True))
case("avg_pool2d_k2", [rn(2, 3, 6, 6)], lambda x: F.avg_pool2d(x, 2))
case("avg_pool2d_k3s2p1", [rn(1, 2, 7, 7)], lambda x: F.avg_pool2d(x, 3, stride=2, padding=1))
case("max_pool2d", [rn(1, 2, 6, 6)], lambda x: F.max_pool2d(x, 2))
case("pad_constant", [rn(1, 2, 3, 4)], lambda x: F.pad(x, (1, 2, 0, 1), mode="constant", value=0.5))
case("pad_reflect", [rn(1, 2, 4, 5)], lambda x: F.pad(x, (2, 1, 1, 2), mode="reflect"))
case("pad_replicate", [rn(1, 2, 3, 4)], lambda x: F.pad(x, (1, 1, 2, 0), mode="replicate"))

# ---------------------------------------------------------------- shapes and views
a = rn(2, 3, 4)
case("cat_dim1", [a, rn(2, 5, 4)], lambda x, y: torch.cat([x, y], 1))
case("stack_dim0", [a, rn(2, 3, 4)], lambda x, y: torch.stack([x, y], 0))
case("stack_dim2", [a, rn(2, 3, 4)], lambda x, y: torch.stack([x, y], 2))
case("chunk", [rn(2, 7, 3)], lambda x: x.chunk(3, 1))
case("split_size", [rn(5, 3)], lambda x: x.split(2, 0))
case("split_sizes", [rn(2, 6)], lambda x: x.split([1, 3, 2], 1))
case("permute", [a], lambda x: x.permute(2, 0, 1))
case("reshape", [a], lambda x: x.reshape(4, -1))
case("view", [a], lambda x: x.view(6, 4))
case("transpose", [a], lambda x: x.transpose(0, 2))
case("flatten_1", [rn(2, 3, 4, 5)], lambda x: x.flatten(1))
case("flatten_1_2", [rn(2, 3, 4, 5)], lambda x: x.flatten(1, 2))
case("expand", [rn(3, 1)], lambda x: x.expand(2, 3, 4))
case("repeat", [rn(2, 3)], lambda x: x.repeat(2, 1, 3))
case("narrow", [a], lambda x: x.narrow(1, 1, 2))
case("slice_step", [rn(9, 3)], lambda x: x[1:8:3])
case("unsqueeze_squeeze", [rn(3, 1, 4)], lambda x: (x.squeeze(1).unsqueeze(0), x.squeeze()))
case("index_select", [a, torch.tensor([2, 0, 2])], lambda x, i: x.index_select(1, i))
case("gather", [a, torch.randint(0, 4, (2, 3, 2))], lambda x, i: x.gather(2, i))
case("flip", [a], lambda x: x.flip(0, 2))
case("roll", [a], lambda x: x.roll((1, -1), (1, 2)))
case("tril_triu", [rn(4, 5)], lambda x: (x.tril(), x.triu(1)))
case("unbind", [a], lambda x: x.unbind(1))
case("topk", [rn(3, 6)], lambda x: x.topk(2, -1))
case("sort", [rn(3, 6)], lambda x: x.sort(-1, descending=True))

# ---------------------------------------------------------------- indexing
b4 = rn(3, 4, 5, 2)
case("idx_int", [b4], lambda x: x[1])
case("idx_int_neg", [b4], lambda x: x[-1, -2])
case("idx_int_range", [b4], lambda x: x[1, 2:4])
case("idx_ellipsis", [b4], lambda x: x[..., 1])
case("idx_none", [b4], lambda x: x[None, 1:3])
case("idx_mixed", [b4], lambda x: x[:, None, ..., 0])
case("idx_from_end", [b4], lambda x: x[-2:, :-1])
case("idx_tensor", [b4, torch.tensor([2, 0, 2, 1])], lambda x, i: x[i])
case("idx_tensor_dim1", [b4, torch.tensor([[3, 0], [1, 1]])], lambda x, i: x[:, i])
case("idx_tensor_split", [b4, torch.tensor([0, 2]), torch.tensor([4, 1])], lambda x, i, j: x[i, :, j])
case("idx_tensor_ellipsis", [b4, torch.tensor([1, 0, 1])], lambda x, i: x[..., i])
case("idx_mask_full", [b4, b4 > 0.3], lambda x, m: x[m])
case("idx_mask_lead", [b4, torch.tensor([[True, False, True, False], [False, False, True, True], [True, True, False, False]])],
     lambda x, m: x[m])
case("idx_mask_lead_ellipsis", [b4, torch.tensor([[True, False, True, False], [False, False, True, True], [True, True, False, False]])],
     lambda x, m: x[m][..., 1])  # what x[m, ..., 1] means (NumPy); PyTorch 1.13 miscounts a 2-D mask there
case("idx_mask_dim1", [b4, torch.tensor([False, True, True, False])], lambda x, m: x[1:, m, ..., None])


def put_mask(x, m):
    y = x.clone()
    y[m] = 0.25
    return y


def put_index(x, i, v):
    y = x.clone()
    y[:, i] = v
    return y


def put_slice(x, v):
    y = x.clone()
    y[1, 1:3] = v
    return y


case("index_put_mask", [b4, b4 < 0], lambda x, m: put_mask(x, m))
case("index_put_tensor", [b4, torch.tensor([3, 1]), rn(5, 2)], put_index)
case("index_put_slice", [b4, rn(2, 5, 2)], put_slice)

# ---------------------------------------------------------------- reductions
r = rn(3, 4, 5)
case("sum_all", [r], lambda x: x.sum())
case("sum_dims", [r], lambda x: x.sum((0, 2)))
case("sum_keepdim", [r], lambda x: x.sum(1, keepdim=True))
case("mean_all", [r], lambda x: x.mean())
case("mean_dims_keepdim", [r], lambda x: x.mean((1,), keepdim=True))
case("mean_neg_dims", [r], lambda x: x.mean((-1, -2)))
case("max_all", [r], lambda x: x.max())
case("max_dim", [r], lambda x: x.max(1))
case("max_dim_keepdim", [r], lambda x: x.max(-1, keepdim=True))
case("min_dim", [r], lambda x: x.min(0))
case("amax", [r], lambda x: x.amax((1, 2)))
case("amax_keepdim", [r], lambda x: x.amax((0,), keepdim=True))
case("argmax_all", [r], lambda x: x.argmax())
case("argmax_dim", [r], lambda x: x.argmax(2, keepdim=True))
case("norm_all", [r], lambda x: x.norm())
case("norm_p1_dim", [r], lambda x: torch.linalg.vector_norm(x, 1, (1,)))
case("norm_dim_keepdim", [r], lambda x: torch.linalg.vector_norm(x, 2, (-1,), keepdim=True))
case("var_all", [r], lambda x: x.var())
case("var_dim_c0", [r], lambda x: x.var(1, unbiased=False, keepdim=True))
case("std_dims", [r], lambda x: x.std((0, 2)))
case("std_all", [r], lambda x: x.std())
case("logsumexp", [r * 4], lambda x: x.logsumexp(1))
case("logsumexp_keepdim", [r * 4], lambda x: x.logsumexp(-1, keepdim=True))
case("cumsum", [r], lambda x: x.cumsum(1))
case("cumprod", [1 + 0.1 * r], lambda x: x.cumprod(2))

# ---------------------------------------------------------------- elementwise
e = rn(4, 6)
e2 = rn(4, 6)
p = pos(4, 6)
case("clamp", [e], lambda x: x.clamp(-0.5, 0.7))
case("clamp_min", [e], lambda x: x.clamp(min=0.1))
case("clamp_max", [e], lambda x: x.clamp(max=-0.2))
case("where", [e > 0, e, e2], torch.where)
case("where_scalar", [e > 0, e], lambda c, x: torch.where(c, x, torch.tensor(-1.5)))
case("masked_fill", [e, e2 > 0.5], lambda x, m: x.masked_fill(m, -3.0))
case("pow_2", [e], lambda x: x.pow(2))
case("pow_frac", [p], lambda x: x.pow(0.37))
case("pow_tensor", [p, e2], lambda x, y: x.pow(y))
case("exp", [e], torch.exp)
case("log", [p], torch.log)
case("sqrt", [p], torch.sqrt)
case("rsqrt", [p], torch.rsqrt)
case("abs_neg", [e], lambda x: (x.abs(), -x))
case("reciprocal", [p], torch.reciprocal)
case("erf_sin_cos", [e], lambda x: (x.erf(), x.sin(), x.cos()))
case("floor_round_sign", [e * 3], lambda x: (x.floor(), x.round(), x.sign()))
case("square", [e], torch.square)
case("add_alpha", [e, rn(6)], lambda x, y: torch.add(x, y, alpha=0.3))
case("sub_alpha", [e, rn(4, 1)], lambda x, y: torch.sub(x, y, alpha=2.5))
case("mul_div", [e, p], lambda x, y: (x * y, x / y))
case("scalar_ops", [p], lambda x: (x + 2.5, x - 1.25, 1 - x, x * 3, x / 4, 2 / x))
case("maximum_minimum", [e, e2], lambda x, y: (torch.maximum(x, y), torch.minimum(x, y)))
case("lerp", [e, e2, p.clamp(max=1)], lambda x, y, w: (torch.lerp(x, y, 0.3), torch.lerp(x, y, w)))
case("compare", [e, e2], lambda x, y: (x == y, x > y, x < 0.2, x >= y, x <= -0.1, x != x))
case("logic", [e > 0], lambda m: (m.logical_not(), m.all(), m.any()))

# ---------------------------------------------------------------- losses, similarity, embedding
case("mse_loss", [e, e2], F.mse_loss)
case("mse_loss_sum", [e, e2], lambda x, y: F.mse_loss(x, y, reduction="sum"))
case("mse_loss_none", [e, e2], lambda x, y: F.mse_loss(x, y, reduction="none"))
logits = rn(5, 7) * 2
target = torch.tensor([1, 0, 6, 3, 3])
case("cross_entropy", [logits, target], F.cross_entropy, grad=True)
case("cross_entropy_sum", [logits, target], lambda x, t: F.cross_entropy(x, t, reduction="sum"))
case("cross_entropy_smooth", [logits, target], lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1))
case("cosine_similarity", [rn(4, 8), rn(4, 8)], lambda x, y: F.cosine_similarity(x, y, 1))
case("cosine_similarity_last", [rn(2, 3, 8), rn(2, 3, 8)], lambda x, y: F.cosine_similarity(x, y, -1))
case("normalize", [rn(4, 8)], lambda x: F.normalize(x, dim=1))
case("normalize_p1", [rn(2, 3, 5)], lambda x: F.normalize(x, p=1.0, dim=-1))
case("embedding", [rn(10, 6), torch.tensor([[1, 9, 3], [3, 0, 7]])], lambda w, i: F.embedding(i, w))
case("one_hot", [torch.tensor([0, 3, 1])], lambda i: F.one_hot(i, 5))


# ---------------------------------------------------------------- attention (math form)
def sdpa(q, k, v, mask=None, scale=None):
    s = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    w = q @ k.transpose(-2, -1) * s
    if mask is not None:
        w = w + mask
    return torch.softmax(w, -1) @ v


case("sdpa", [rn(2, 3, 5, 8), rn(2, 3, 7, 8), rn(2, 3, 7, 8)], sdpa, grad=True)
case("sdpa_mask", [rn(2, 2, 4, 8), rn(2, 2, 6, 8), rn(2, 2, 6, 8), torch.zeros(4, 6).masked_fill(torch.rand(4, 6) > 0.6, float("-inf"))],
     sdpa)
case("sdpa_scale", [rn(1, 4, 5, 16), rn(1, 4, 5, 16), rn(1, 4, 5, 16)], lambda q, k, v: sdpa(q, k, v, scale=0.3))

# ---------------------------------------------------------------- dtypes
d = rn(4, 8) * 100
case("to_f16", [d], lambda x: x.to(torch.float16).view(torch.int16))
case("to_bf16", [d], lambda x: x.to(torch.bfloat16).view(torch.int16))
case("to_f64", [d], lambda x: x.to(torch.float64))
case("to_i64", [d], lambda x: x.to(torch.int64))
case("from_f16", [d.half()], lambda x: x.float())
case("from_bf16", [d.bfloat16()], lambda x: x.float())
case("from_i64", [torch.randint(-1000, 1000, (10,))], lambda x: x.float())
case("f64_ops", [rn(3, 5, dtype=torch.float64)], lambda x: (F.softmax(x, -1), x.exp(), F.silu(x), x.sum(1)))

# ---------------------------------------------------------------- random streams (exact)
def rng(name, seed, *calls):
    torch.manual_seed(seed)
    for k, call in enumerate(calls):
        add(f"rng/{name}/{k}", call())


for seed in (0, 42, 2**40 + 3):
    for shape in ((5,), (15,), (16,), (17,), (100,), (2, 4, 8, 8), (1, 4, 16, 16)):
        rng(f"randn_f32_{seed}_{'x'.join(map(str, shape))}", seed, lambda: torch.randn(shape), lambda: torch.randn(shape))
    for shape in ((7,), (33,), (2, 4, 8, 8)):
        rng(f"randn_f64_{seed}_{'x'.join(map(str, shape))}", seed,
            lambda: torch.randn(shape, dtype=torch.float64), lambda: torch.randn(shape, dtype=torch.float64))
rng("randn_mixed_7", 7, lambda: torch.randn(3), lambda: torch.randn(20), lambda: torch.randn(2, 4, 8, 8))
rng("rand_f32_1", 1, lambda: torch.rand(10), lambda: torch.rand(40))
rng("rand_f64_1", 1, lambda: torch.rand(20, dtype=torch.float64))
rng("randint_3", 3, lambda: torch.randint(0, 1000, (50,)), lambda: torch.randint(-5, 5, (3, 4)))
rng("normal_5", 5, lambda: torch.empty(20).normal_(0.5, 2.0), lambda: torch.empty(8).normal_(0.5, 2.0))

# ---------------------------------------------------------------- write
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ops.bin")
with open(path, "wb") as f:
    f.write(b"TSFX0001")
    f.write(struct.pack("<I", len(entries)))
    names = set()
    for name, t in entries:
        assert name not in names, name
        names.add(name)
        raw = name.encode()
        f.write(struct.pack("<H", len(raw)))
        f.write(raw)
        code = {torch.uint8: 0, torch.int8: 1, torch.int16: 2, torch.int32: 3, torch.int64: 4, torch.float16: 5,
                torch.float32: 6, torch.float64: 7, torch.bool: 11, torch.bfloat16: 15}[t.dtype]
        f.write(struct.pack("<BB", code, t.dim()))
        f.write(struct.pack(f"<{t.dim()}q", *t.shape))
        data = t.view(torch.int16) if t.dtype in (torch.float16, torch.bfloat16) else t
        f.write(data.numpy().tobytes())
print(f"{len(entries)} tensors, {os.path.getsize(path)} bytes -> {path}")
