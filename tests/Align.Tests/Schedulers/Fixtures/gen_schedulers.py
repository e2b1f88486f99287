"""Writes schedulers_extra.safetensors: scheduler cases that shared/ref does not cover.

diffusers itself is not installed here, so this script restates the diffusers 0.27.2 scheduler formulas
(EulerDiscreteScheduler, DDIMScheduler, LCMScheduler, DDPM add_noise/get_velocity) with NumPy 1.24 and
torch 1.13, keeping their dtypes (NumPy float64 schedules, torch float32 tensors). Before writing anything
it reruns every case of shared/ref/refs/schedulers.safetensors (made by real diffusers) and stops unless
this restatement reproduces them exactly, so the extra cases rest on a checked transcription.

Run with Debian's Python: /usr/bin/python3 gen_schedulers.py [path/to/shared/ref]
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REF = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "..", "..", "shared", "ref")

# ----------------------------------------------------------------------------- safetensors i/o
DTYPES = {"F32": (np.float32, torch.float32), "F64": (np.float64, torch.float64), "I64": (np.int64, torch.int64)}


def read_safetensors(path):
    blob = open(path, "rb").read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        a, b = e["data_offsets"]
        arr = np.frombuffer(blob[8 + n + a:8 + n + b], dtype=DTYPES[e["dtype"]][0]).reshape(e["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out, header.get("__metadata__", {})


def write_safetensors(path, tensors, metadata):
    names = sorted(tensors)
    header, offset, chunks = {"__metadata__": metadata}, 0, []
    for name in names:
        t = tensors[name].contiguous()
        code = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}[t.dtype]
        data = t.numpy().tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(chunks))


# ----------------------------------------------------------------------------- diffusers 0.27.2, restated
def make_betas(c):
    n = c["num_train_timesteps"]
    if c.get("trained_betas") is not None:
        betas = torch.tensor(c["trained_betas"], dtype=torch.float32)
    elif c["beta_schedule"] == "linear":
        betas = torch.linspace(c["beta_start"], c["beta_end"], n, dtype=torch.float32)
    elif c["beta_schedule"] == "scaled_linear":
        betas = torch.linspace(c["beta_start"] ** 0.5, c["beta_end"] ** 0.5, n, dtype=torch.float32) ** 2
    elif c["beta_schedule"] == "squaredcos_cap_v2":
        bar = lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
        betas = torch.tensor([min(1 - bar((i + 1) / n) / bar(i / n), 0.999) for i in range(n)], dtype=torch.float32)
    else:
        raise ValueError(c["beta_schedule"])
    if c.get("rescale_betas_zero_snr"):
        root = torch.cumprod(1.0 - betas, dim=0).sqrt()
        first, last = root[0].clone(), root[-1].clone()
        root -= last
        root *= first / (first - last)
        bar = root ** 2
        betas = 1 - torch.cat([bar[0:1], bar[1:] / bar[:-1]])
    return betas


class Euler:
    def __init__(self, c):
        self.c = c
        n = c["num_train_timesteps"]
        self.alphas_cumprod = torch.cumprod(1.0 - make_betas(c), dim=0)
        if c.get("rescale_betas_zero_snr"):
            self.alphas_cumprod[-1] = 2 ** -24
        sigmas = (((1 - self.alphas_cumprod) / self.alphas_cumprod) ** 0.5).flip(0)
        self.timesteps = torch.from_numpy(np.linspace(0, n - 1, n, dtype=float)[::-1].copy()).to(torch.float32)
        self.sigmas = torch.cat([sigmas, torch.zeros(1)])
        self.step_index = self.begin_index = None

    @property
    def init_noise_sigma(self):
        m = self.sigmas.max()
        return m if self.c["timestep_spacing"] in ("linspace", "trailing") else (m ** 2 + 1) ** 0.5

    def set_timesteps(self, k):
        c, n = self.c, self.c["num_train_timesteps"]
        if c["timestep_spacing"] == "linspace":
            ts = np.linspace(0, n - 1, k, dtype=np.float32)[::-1].copy()
        elif c["timestep_spacing"] == "leading":
            ts = (np.arange(0, k) * (n // k)).round()[::-1].copy().astype(np.float32)
            ts += c["steps_offset"]
        else:
            ts = np.arange(n, 0, -(n / k)).round().copy().astype(np.float32)
            ts -= 1
        sigmas = np.array(((1 - self.alphas_cumprod) / self.alphas_cumprod) ** 0.5)
        log_sigmas = np.log(sigmas)
        sigmas = np.interp(ts, np.arange(0, len(sigmas)), sigmas)
        if c.get("use_karras_sigmas"):
            lo = c.get("sigma_min") if c.get("sigma_min") is not None else sigmas[-1].item()
            hi = c.get("sigma_max") if c.get("sigma_max") is not None else sigmas[0].item()
            ramp = np.linspace(0, 1, k)
            sigmas = (hi ** (1 / 7.0) + ramp * (lo ** (1 / 7.0) - hi ** (1 / 7.0))) ** 7.0
            ts = np.array([sigma_to_t(s, log_sigmas) for s in sigmas])
        sigmas = torch.from_numpy(sigmas).to(dtype=torch.float32)
        self.timesteps = torch.from_numpy(ts.astype(np.float32))
        self.sigmas = torch.cat([sigmas, torch.zeros(1)])
        self.step_index = self.begin_index = None

    def _index(self, t):
        hits = (self.timesteps == t).nonzero()
        return hits[1 if len(hits) > 1 else 0].item()

    def _init_index(self, t):
        if self.step_index is None:
            self.step_index = self._index(t) if self.begin_index is None else self.begin_index

    def scale_model_input(self, x, t):
        self._init_index(t)
        return x / ((self.sigmas[self.step_index] ** 2 + 1) ** 0.5)

    def step(self, out, t, x, generator=None):
        self._init_index(t)
        x = x.to(torch.float32)
        sigma = self.sigmas[self.step_index]
        torch.randn(out.shape, generator=generator, dtype=out.dtype)  # drawn (unused without churn), as diffusers does
        sigma_hat = sigma * (0.0 + 1)
        p = self.c["prediction_type"]
        if p == "sample":
            x0 = out
        elif p == "epsilon":
            x0 = x - sigma_hat * out
        else:
            x0 = out * (-sigma / (sigma ** 2 + 1) ** 0.5) + (x / (sigma ** 2 + 1))
        prev = x + (x - x0) / sigma_hat * (self.sigmas[self.step_index + 1] - sigma_hat)
        self.step_index += 1
        return prev.to(out.dtype), x0

    def add_noise(self, x, noise, ts):
        sigmas = self.sigmas.to(dtype=x.dtype)
        if self.begin_index is None:
            idx = [self._index(t) for t in ts]
        else:
            idx = [self.step_index if self.step_index is not None else self.begin_index] * ts.shape[0]
        sigma = sigmas[idx].flatten()
        while len(sigma.shape) < len(x.shape):
            sigma = sigma.unsqueeze(-1)
        return x + noise * sigma


def sigma_to_t(sigma, log_sigmas):
    log_sigma = np.log(np.maximum(sigma, 1e-10))
    dists = log_sigma - log_sigmas[:, np.newaxis]
    low = np.cumsum((dists >= 0), axis=0).argmax(axis=0).clip(max=log_sigmas.shape[0] - 2)
    lo, hi = log_sigmas[low], log_sigmas[low + 1]
    w = np.clip((lo - log_sigma) / (lo - hi), 0, 1)
    return ((1 - w) * low + w * (low + 1)).reshape(sigma.shape)


def threshold(x, c):
    b, ch, *rest = x.shape
    flat = x.reshape(b, ch * int(np.prod(rest)))
    s = torch.quantile(flat.abs(), c["dynamic_thresholding_ratio"], dim=1)
    s = torch.clamp(s, min=1, max=c["sample_max_value"]).unsqueeze(1)
    return (torch.clamp(flat, -s, s) / s).reshape(b, ch, *rest)


def limit(x0, c):
    if c["thresholding"]:
        return threshold(x0, c)
    if c["clip_sample"]:
        return x0.clamp(-c["clip_sample_range"], c["clip_sample_range"])
    return x0


class DdpmNoising:
    def add_noise(self, x, noise, ts):
        ac = self.alphas_cumprod.to(dtype=x.dtype)
        a = (ac[ts] ** 0.5).flatten()
        b = ((1 - ac[ts]) ** 0.5).flatten()
        while len(a.shape) < len(x.shape):
            a, b = a.unsqueeze(-1), b.unsqueeze(-1)
        return a * x + b * noise

    def get_velocity(self, x, noise, ts):
        ac = self.alphas_cumprod.to(dtype=x.dtype)
        a = (ac[ts] ** 0.5).flatten()
        b = ((1 - ac[ts]) ** 0.5).flatten()
        while len(a.shape) < len(x.shape):
            a, b = a.unsqueeze(-1), b.unsqueeze(-1)
        return a * noise - b * x


class Ddim(DdpmNoising):
    init_noise_sigma = 1.0

    def __init__(self, c, eta=0.0):
        self.c, self.eta = c, eta
        self.alphas_cumprod = torch.cumprod(1.0 - make_betas(c), dim=0)
        self.final = torch.tensor(1.0) if c["set_alpha_to_one"] else self.alphas_cumprod[0]
        self.timesteps = torch.from_numpy(np.arange(0, c["num_train_timesteps"])[::-1].copy().astype(np.int64))
        self.sigmas = None

    def set_timesteps(self, k):
        c, n = self.c, self.c["num_train_timesteps"]
        self.k = k
        if c["timestep_spacing"] == "linspace":
            ts = np.linspace(0, n - 1, k).round()[::-1].copy().astype(np.int64)
        elif c["timestep_spacing"] == "leading":
            ts = (np.arange(0, k) * (n // k)).round()[::-1].copy().astype(np.int64)
            ts += c["steps_offset"]
        else:
            ts = np.round(np.arange(n, 0, -(n / k))).astype(np.int64)
            ts -= 1
        self.timesteps = torch.from_numpy(ts)

    def scale_model_input(self, x, t):
        return x

    def step(self, out, t, x, generator=None):
        c = self.c
        prev_t = t - c["num_train_timesteps"] // self.k
        a = self.alphas_cumprod[t]
        a_prev = self.alphas_cumprod[prev_t] if prev_t >= 0 else self.final
        b = 1 - a
        p = c["prediction_type"]
        if p == "epsilon":
            x0, eps = (x - b ** 0.5 * out) / a ** 0.5, out
        elif p == "sample":
            x0, eps = out, (x - a ** 0.5 * out) / b ** 0.5
        else:
            x0, eps = a ** 0.5 * x - b ** 0.5 * out, a ** 0.5 * out + b ** 0.5 * x
        x0 = limit(x0, c)
        variance = ((1 - a_prev) / b) * (1 - a / a_prev)
        std = self.eta * variance ** 0.5
        prev = a_prev ** 0.5 * x0 + (1 - a_prev - std ** 2) ** 0.5 * eps
        if self.eta > 0:
            prev = prev + std * torch.randn(out.shape, generator=generator, dtype=out.dtype)
        return prev, x0


class Lcm(DdpmNoising):
    init_noise_sigma = 1.0

    def __init__(self, c):
        self.c = c
        self.alphas_cumprod = torch.cumprod(1.0 - make_betas(c), dim=0)
        self.final = torch.tensor(1.0) if c["set_alpha_to_one"] else self.alphas_cumprod[0]
        self.timesteps = torch.from_numpy(np.arange(0, c["num_train_timesteps"])[::-1].copy().astype(np.int64))
        self.sigmas = None
        self.step_index = None

    def set_timesteps(self, k, original=None, strength=1.0):
        c = self.c
        original = original if original is not None else c["original_inference_steps"]
        kk = c["num_train_timesteps"] // original
        origin = np.asarray(list(range(1, int(original * strength) + 1))) * kk - 1
        assert len(origin) // k >= 1 and k <= original
        origin = origin[::-1].copy()
        idx = np.floor(np.linspace(0, len(origin), num=k, endpoint=False)).astype(np.int64)
        self.timesteps = torch.from_numpy(origin[idx]).to(dtype=torch.long)
        self.k = k
        self.step_index = None

    def scale_model_input(self, x, t):
        return x

    def step(self, out, t, x, generator=None):
        c = self.c
        if self.step_index is None:
            self.step_index = (self.timesteps == t).nonzero()[0].item()
        prev_t = self.timesteps[self.step_index + 1] if self.step_index + 1 < len(self.timesteps) else t
        a = self.alphas_cumprod[t]
        a_prev = self.alphas_cumprod[prev_t] if prev_t >= 0 else self.final
        scaled = t * c["timestep_scaling"]
        c_skip = 0.5 ** 2 / (scaled ** 2 + 0.5 ** 2)
        c_out = scaled / (scaled ** 2 + 0.5 ** 2) ** 0.5
        p = c["prediction_type"]
        if p == "epsilon":
            x0 = (x - (1 - a).sqrt() * out) / a.sqrt()
        elif p == "sample":
            x0 = out
        else:
            x0 = a.sqrt() * x - (1 - a).sqrt() * out
        x0 = limit(x0, c)
        denoised = c_out * x0 + c_skip * x
        if self.step_index != self.k - 1:
            noise = torch.randn(out.shape, generator=generator, dtype=denoised.dtype)
            prev = a_prev.sqrt() * denoised + (1 - a_prev).sqrt() * noise
        else:
            prev = denoised
        self.step_index += 1
        return prev, denoised


# ----------------------------------------------------------------------------- configs (diffusers defaults filled in)
EULER = dict(num_train_timesteps=1000, beta_start=0.0001, beta_end=0.02, beta_schedule="linear", trained_betas=None,
             prediction_type="epsilon", interpolation_type="linear", use_karras_sigmas=False, sigma_min=None,
             sigma_max=None, timestep_spacing="linspace", timestep_type="discrete", steps_offset=0,
             rescale_betas_zero_snr=False)
DDIM = dict(num_train_timesteps=1000, beta_start=0.0001, beta_end=0.02, beta_schedule="linear", trained_betas=None,
            clip_sample=True, set_alpha_to_one=True, steps_offset=0, prediction_type="epsilon", thresholding=False,
            dynamic_thresholding_ratio=0.995, clip_sample_range=1.0, sample_max_value=1.0,
            timestep_spacing="leading", rescale_betas_zero_snr=False)
LCM = dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
           trained_betas=None, original_inference_steps=50, clip_sample=False, clip_sample_range=1.0,
           set_alpha_to_one=True, steps_offset=0, prediction_type="epsilon", thresholding=False,
           dynamic_thresholding_ratio=0.995, sample_max_value=1.0, timestep_spacing="leading",
           timestep_scaling=10.0, rescale_betas_zero_snr=False)
SD = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear")


def build(name, c, eta=0.0):
    family = name.split(".")[0]
    return Euler(c) if family == "euler" else Ddim(c, eta) if family == "ddim" else Lcm(c)


def run_case(name, c, out, eta=0.0, seed=0, counts=(1, 4, 25)):
    """alphas_cumprod, n{N}.{timesteps,sigmas,init_noise_sigma} and a 4-step traj.* as shared/ref names them."""
    s = build(name, c, eta)
    out[f"{name}.alphas_cumprod"] = s.alphas_cumprod.clone()
    for k in counts:
        s.set_timesteps(k)
        out[f"{name}.n{k}.timesteps"] = s.timesteps.clone()
        if s.sigmas is not None:
            out[f"{name}.n{k}.sigmas"] = s.sigmas.clone()
        out[f"{name}.n{k}.init_noise_sigma"] = torch.tensor([float(s.init_noise_sigma)], dtype=torch.float64)
    g_in = torch.Generator().manual_seed(1000 + seed)
    g_step = torch.Generator().manual_seed(seed)
    s.set_timesteps(4)
    x = torch.randn(1, 4, 4, 6, generator=g_in)
    out[f"{name}.traj.x0"] = x
    for i, t in enumerate(s.timesteps):
        mo = torch.randn(1, 4, 4, 6, generator=g_in)
        out[f"{name}.traj.{i}.scaled_input"] = s.scale_model_input(x, t)
        out[f"{name}.traj.{i}.model_output"] = mo
        x, x0 = s.step(mo, t, x, generator=g_step)
        out[f"{name}.traj.{i}.prev_sample"] = x
        out[f"{name}.traj.{i}.pred_original_sample"] = x0


def check_against_diffusers_refs():
    refs, meta = read_safetensors(os.path.join(REF, "refs", "schedulers.safetensors"))
    configs = json.loads(meta["configs"])
    for name, c in configs.items():
        s = build(name, c)
        assert torch.equal(s.alphas_cumprod, refs[f"{name}.alphas_cumprod"]), name
        for k in (1, 4, 25):
            s.set_timesteps(k)
            want = refs[f"{name}.n{k}.timesteps"]
            assert torch.equal(s.timesteps.to(want.dtype), want), (name, k, s.timesteps, want)
            if s.sigmas is not None:
                assert torch.equal(s.sigmas, refs[f"{name}.n{k}.sigmas"]), (name, k)
            assert float(s.init_noise_sigma) == refs[f"{name}.n{k}.init_noise_sigma"].item(), (name, k)
        s.set_timesteps(4)
        x = refs[f"{name}.traj.x0"]
        for i, t in enumerate(s.timesteps):
            assert torch.equal(s.scale_model_input(x, t), refs[f"{name}.traj.{i}.scaled_input"]), (name, i)
            x, x0 = s.step(refs[f"{name}.traj.{i}.model_output"], t, x)
            assert torch.equal(x0, refs[f"{name}.traj.{i}.pred_original_sample"]), (name, i)
            assert torch.equal(x, refs[f"{name}.traj.{i}.prev_sample"]), (name, i)
    print(f"restatement reproduces all {len(configs)} diffusers reference cases bit for bit")


def main():
    check_against_diffusers_refs()
    out, cases = {}, {}

    def case(name, base, eta=0.0, seed=0, counts=(1, 4, 25), **changes):
        c = dict(base, **changes)
        cases[name] = {"config": c, "eta": eta, "seed": seed, "counts": list(counts)}
        run_case(name, c, out, eta, seed, counts)

    case("euler.linear.sample", EULER, prediction_type="sample", seed=1)
    case("euler.cosine.v_prediction.zero_snr", EULER, beta_schedule="squaredcos_cap_v2", prediction_type="v_prediction",
         timestep_spacing="trailing", rescale_betas_zero_snr=True, seed=2)
    case("euler.karras.bounds.trailing", EULER, **SD, use_karras_sigmas=True, sigma_min=0.1, sigma_max=10.0,
         timestep_spacing="trailing", seed=3)
    case("euler.trained_betas", EULER, trained_betas=[0.0005 + 0.00002 * i for i in range(50)],
         num_train_timesteps=50, timestep_spacing="leading", steps_offset=1, counts=(1, 4, 7), seed=4)
    case("ddim.linspace.sample.clip", DDIM, prediction_type="sample", timestep_spacing="linspace", seed=5)
    case("ddim.threshold.offset", DDIM, **SD, thresholding=True, sample_max_value=1.5, steps_offset=1,
         set_alpha_to_one=False, seed=6)
    case("ddim.eta.v_prediction.zero_snr", DDIM, **SD, clip_sample=False, prediction_type="v_prediction",
         timestep_spacing="trailing", rescale_betas_zero_snr=True, eta=0.7, seed=7)
    case("lcm.default", LCM, seed=8)
    case("lcm.v_prediction.clip.original30", LCM, prediction_type="v_prediction", clip_sample=True,
         clip_sample_range=1.2, original_inference_steps=30, set_alpha_to_one=False, seed=9)
    # diffusers' timestep_scaling (10) makes c_skip ≈ 0 at every timestep; a small one exercises the boundary scalings
    case("lcm.small_timestep_scaling", LCM, timestep_scaling=0.002, counts=(1, 4, 10), seed=11)
    case("lcm.sample.threshold", LCM, prediction_type="sample", thresholding=True, counts=(1, 4, 8), seed=10)

    # NumPy's arange/linspace/round decide the schedules: including step counts where arange returns one extra value.
    spacing_counts = [1, 2, 3, 6, 7, 10, 33, 61, 103, 121]
    for family, base in (("euler", dict(EULER, **SD)), ("ddim", dict(DDIM, **SD))):
        for spacing in ("linspace", "leading", "trailing"):
            s = build(family, dict(base, timestep_spacing=spacing, steps_offset=1))
            for k in spacing_counts:
                s.set_timesteps(k)
                out[f"spacing.{family}.{spacing}.n{k}.timesteps"] = s.timesteps.clone()
                if s.sigmas is not None:
                    out[f"spacing.{family}.{spacing}.n{k}.sigmas"] = s.sigmas.clone()

    lcm_schedules = []
    s = Lcm(LCM)
    for k, original, strength in [(1, 50, 1.0), (2, 50, 1.0), (3, 50, 1.0), (8, 50, 1.0), (50, 50, 1.0), (4, 50, 0.5),
                                  (3, 20, 0.6), (6, 1000, 1.0), (7, 999, 0.35)]:
        s.set_timesteps(k, original, strength)
        key = f"lcm_schedule.{k}.{original}.{strength}"
        out[key] = s.timesteps.clone()
        lcm_schedules.append({"name": key, "steps": k, "original": original, "strength": strength})

    # forward process and velocity (training), and Euler's add_noise on its inference schedule
    g = torch.Generator().manual_seed(77)
    x, noise = torch.randn(3, 4, 2, 3, generator=g), torch.randn(3, 4, 2, 3, generator=g)
    out["noising.x"], out["noising.noise"] = x, noise
    ts = torch.tensor([999, 500, 0])
    out["noising.timesteps"] = ts
    d = Ddim(dict(DDIM, **SD))
    out["noising.ddpm.add_noise"] = d.add_noise(x, noise, ts)
    out["noising.ddpm.get_velocity"] = d.get_velocity(x, noise, ts)
    e = Euler(dict(EULER, **SD, timestep_spacing="leading", steps_offset=1))
    e.set_timesteps(25)
    ets = e.timesteps[[0, 12, 24]]
    out["noising.euler.timesteps"] = ets
    out["noising.euler.add_noise"] = e.add_noise(x, noise, ets)
    e.begin_index = 5  # img2img: the pipeline fixes where sampling starts
    out["noising.euler.add_noise.begin5"] = e.add_noise(x, noise, ets)

    # NumPy's float32 log (its own SIMD routine on AVX2/AVX-512 CPUs), on training sigmas and a spread of values
    sig = np.array(((1 - e.alphas_cumprod) / e.alphas_cumprod) ** 0.5)
    spread = np.exp(np.linspace(-30, 30, 1001)).astype(np.float32)
    logf_in = np.concatenate([sig, spread, np.array([1.0, 0.5, 2.0, 0.70710677, 0.7071068], dtype=np.float32)])
    out["numpy_logf.in"] = torch.from_numpy(logf_in)
    out["numpy_logf.out"] = torch.from_numpy(np.log(logf_in))

    versions = {"torch": torch.__version__, "numpy": np.__version__, "diffusers": "0.27.2 (restated, checked against shared/ref)"}
    meta = {"cases": json.dumps(cases), "lcm_schedules": json.dumps(lcm_schedules),
            "spacing_counts": json.dumps(spacing_counts), "versions": json.dumps(versions)}
    path = os.path.join(HERE, "schedulers_extra.safetensors")
    write_safetensors(path, out, meta)
    print(f"wrote {path}: {len(out)} tensors, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
