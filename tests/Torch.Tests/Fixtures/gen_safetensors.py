#!/usr/bin/python3
"""Fixtures for tests/Torch.Tests/Safetensors, computed by PyTorch (Debian python3-torch 1.13).

Debian has no `safetensors` package, so files are read and written here with json + struct +
torch.frombuffer, following the format spec (8-byte little-endian header length, JSON header,
row-major little-endian data buffer).

  /usr/bin/python3 gen_safetensors.py            # regenerate the fixtures next to this script
  /usr/bin/python3 gen_safetensors.py --check F  # strictly validate a file (e.g. one our writer made)

Writes:
  safetensors_dtypes.safetensors  every supported dtype incl. fp16/bf16 specials, 0-d and empty tensors
  safetensors_expected.json       their values as PyTorch reads them (and upcast to float32), plus, for
                                  chosen tensors of ../shared/ref, dtype, shape, sum and first elements,
                                  and a sha256 of every metadata value
"""
import glob
import hashlib
import json
import math
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
REF = os.path.abspath(os.path.join(REPO, "..", "shared", "ref"))

DTYPES = {
    "BOOL": torch.bool, "U8": torch.uint8, "I8": torch.int8, "I16": torch.int16, "F16": torch.float16,
    "BF16": torch.bfloat16, "I32": torch.int32, "F32": torch.float32, "F64": torch.float64, "I64": torch.int64,
}
NAMES = {v: k for k, v in DTYPES.items()}
# The reference crate's Dtype enum order (alignment); its writer sorts by this descending, then by name.
RANK = {"BOOL": 0, "U8": 1, "I8": 2, "I16": 5, "F16": 7, "BF16": 8, "I32": 9, "F32": 11, "F64": 12, "I64": 13}
MAX_HEADER = 100_000_000


class Invalid(Exception):
    pass


def read_strict(path):
    """Reads a safetensors file with the reference implementation's checks; returns (metadata, header order, tensors)."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise Invalid("shorter than 8 bytes")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > MAX_HEADER:
        raise Invalid(f"header length {n} over limit")
    if 8 + n > len(blob):
        raise Invalid("header past end of file")
    text = blob[8:8 + n].decode("utf-8")
    if not text.startswith("{"):
        raise Invalid("header does not start with {")

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise Invalid(f"duplicate keys in {keys}")
        return dict(pairs)

    header = json.loads(text, object_pairs_hook=no_duplicates)
    if not isinstance(header, dict):
        raise Invalid("header is not an object")
    metadata = header.pop("__metadata__", None) or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise Invalid("metadata is not str -> str")
    order = list(header)
    data = memoryview(blob)[8 + n:]
    entries = sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"]))
    expected = 0
    tensors = {}
    for name, info in entries:
        if info["dtype"] not in DTYPES:
            raise Invalid(f"{name}: unknown dtype {info['dtype']}")
        shape = info["shape"]
        if not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
            raise Invalid(f"{name}: bad shape {shape}")
        begin, end = info["data_offsets"]
        if begin != expected or end < begin:
            raise Invalid(f"{name}: offsets {begin},{end} do not follow {expected}")
        dtype = DTYPES[info["dtype"]]
        numel = math.prod(shape)
        if end - begin != numel * torch.empty((), dtype=dtype).element_size():
            raise Invalid(f"{name}: offsets inconsistent with shape and dtype")
        expected = end
        if numel == 0:
            tensors[name] = torch.empty(shape, dtype=dtype)
        else:
            tensors[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype).reshape(shape)
    if expected != len(data):
        raise Invalid(f"data buffer is {len(data)} bytes, tensors cover {expected}")
    return metadata, order, n, tensors


def write(path, tensors, metadata):
    """Writes a file laid out as the reference writer does."""
    items = sorted(tensors.items(), key=lambda kv: (-RANK[NAMES[kv[1].dtype]], kv[0].encode("utf-8")))
    header, offset, chunks = {"__metadata__": metadata}, 0, []
    for name, t in items:
        raw = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        chunks.append(raw)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def num(x):
    """A float or int as a string C# parses exactly (R format round-trips; NaN and infinities by name)."""
    if isinstance(x, bool):
        return "1" if x else "0"
    if isinstance(x, int):
        return str(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return repr(float(x))


def values(t):
    return [num(v) for v in t.reshape(-1).tolist()]


def total(t):
    return num(t.double().sum().item()) if t.dtype.is_floating_point else num(int(t.long().sum().item()))


def dtype_fixture():
    g = torch.Generator().manual_seed(1234)
    special16 = torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 6e-8, 1e-5, float("inf"), float("-inf"), float("nan"), 0.1, 3.14159])
    specialbf = torch.tensor([0.0, -0.0, 1.0, -2.5, 3.0e38, 1e-40, 1e-5, float("inf"), float("-inf"), float("nan"), 0.1, 3.14159])
    tensors = {
        "f16.special": special16.half().reshape(3, 4),
        "f16.randn": (torch.randn(2, 3, 5, generator=g) * 10).half(),
        "bf16.special": specialbf.bfloat16().reshape(4, 3),
        "bf16.randn": (torch.randn(7, generator=g) * 100).bfloat16(),
        "f32.randn": torch.randn(3, 2, generator=g),
        "f32.scalar": torch.tensor(-1.75),
        "f64.randn": torch.randn(5, generator=g, dtype=torch.float64),
        "i64.values": torch.tensor([0, -1, 2**62, -(2**63), 2**63 - 1, 42]),
        "i32.values": torch.tensor([[1, -2], [2**31 - 1, -(2**31)]], dtype=torch.int32),
        "i16.values": torch.tensor([-32768, 32767, 7], dtype=torch.int16),
        "i8.values": torch.tensor([-128, 127, 0, -5], dtype=torch.int8),
        "u8.values": torch.tensor([[0, 255, 128], [1, 2, 3]], dtype=torch.uint8),
        "bool.values": torch.tensor([True, False, False, True, True]),
        "f16.empty": torch.empty(0, 3, dtype=torch.float16),
        "i64.empty": torch.empty(4, 0, 2, dtype=torch.int64),
    }
    metadata = {"format": "pt", "made_by": "gen_safetensors.py", "unicode": "café ✓ 😀", "escapes": "quote \" backslash \\ tab \t"}
    path = os.path.join(HERE, "safetensors_dtypes.safetensors")
    write(path, tensors, metadata)
    read_metadata, _, _, back = read_strict(path)
    assert read_metadata == metadata
    out = {}
    for name, t in back.items():
        entry = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "values": values(t)}
        if t.dtype in (torch.float16, torch.bfloat16):
            entry["as_f32"] = values(t.float())
        out[name] = entry
    return {"file": "safetensors_dtypes.safetensors", "metadata": metadata, "tensors": out}


def ref_fixture():
    files = sorted(glob.glob(os.path.join(REF, "refs", "*.safetensors")) + glob.glob(os.path.join(REF, "models", "**", "*.safetensors"), recursive=True))
    if not files:
        sys.exit(f"no safetensors files under {REF}")
    out = []
    for path in files:
        metadata, _, _, tensors = read_strict(path)
        by_offset = list(tensors)  # read_strict fills it in data order
        chosen = [by_offset[0], by_offset[-1]]
        seen = {tensors[chosen[0]].dtype, tensors[chosen[1]].dtype}
        for name in by_offset:
            if tensors[name].dtype not in seen:
                seen.add(tensors[name].dtype)
                chosen.append(name)
        checks = []
        for name in dict.fromkeys(chosen):
            t = tensors[name]
            checks.append({"name": name, "dtype": NAMES[t.dtype], "shape": list(t.shape), "sum": total(t), "first": values(t.reshape(-1)[:4])})
        out.append({
            "file": os.path.relpath(path, REF),
            "count": len(tensors),
            "metadata_sha256": {k: hashlib.sha256(v.encode("utf-8")).hexdigest() for k, v in metadata.items()},
            "tensors": checks,
        })
    return out


def check(path):
    metadata, order, n, tensors = read_strict(path)
    print(f"OK {path}: header {n} bytes (multiple of 8: {n % 8 == 0}), {len(tensors)} tensors, metadata {metadata}")
    expected = sorted(order, key=lambda k: (-RANK[NAMES[tensors[k].dtype]], k.encode("utf-8")))
    print(f"header order is the reference writer's: {order == expected}")
    for name, t in tensors.items():
        print(f"  {name}: {NAMES[t.dtype]} {list(t.shape)} sum={total(t)}")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
        return
    fixture = {"torch": torch.__version__, "dtypes": dtype_fixture(), "refs": ref_fixture()}
    with open(os.path.join(HERE, "safetensors_expected.json"), "w", encoding="utf-8") as f:
        json.dump(fixture, f, separators=(",", ":"), ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
