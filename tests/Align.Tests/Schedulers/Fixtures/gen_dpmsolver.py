"""Writes dpmsolver.safetensors: diffusers' DPMSolverMultistepScheduler (DPM-Solver++, orders 1 and 2) on its own.

shared/ref has no DPM-Solver case and diffusers is not installed here, so this script transcribes the scheduler's
set_timesteps, convert_model_output, dpm_solver_first_order_update, multistep_dpm_solver_second_order_update, step and
add_noise from diffusers' source (scheduling_dpmsolver_multistep.py, dpmsolver++ branches only) line by line, in
NumPy 1.24 / torch 1.13 with diffusers' dtypes. It reuses gen_schedulers.py's restatement of the beta schedules and
_sigma_to_t, which that script checks against shared/ref bit for bit. The C# tests add what does not rest on this
transcription: DPM-Solver-1 equals DDIM, and DPM-Solver-2's error on an exact Gaussian ODE falls as h².

Run with Debian's Python: /usr/bin/python3 gen_dpmsolver.py
"""
import json
import os

import numpy as np
import torch

from gen_schedulers import HERE, SD, make_betas, sigma_to_t, write_safetensors

DPM = dict(num_train_timesteps=1000, beta_start=0.0001, beta_end=0.02, beta_schedule="linear", trained_betas=None,
           solver_order=2, prediction_type="epsilon", thresholding=False, dynamic_thresholding_ratio=0.995,
           sample_max_value=1.0, algorithm_type="dpmsolver++", solver_type="midpoint", lower_order_final=True,
           euler_at_final=False, use_karras_sigmas=False, use_lu_lambdas=False, final_sigmas_type="zero",
           lambda_min_clipped=-float("inf"), variance_type=None, timestep_spacing="linspace", steps_offset=0,
           rescale_betas_zero_snr=False)


class DpmSolverPlusPlus:
    def __init__(self, c):
        self.c = c
        n = c["num_train_timesteps"]
        self.alphas_cumprod = torch.cumprod(1.0 - make_betas(c), dim=0)
        self.alpha_t = torch.sqrt(self.alphas_cumprod)
        self.sigma_t = torch.sqrt(1 - self.alphas_cumprod)
        self.lambda_t = torch.log(self.alpha_t) - torch.log(self.sigma_t)
        self.sigmas = ((1 - self.alphas_cumprod) / self.alphas_cumprod) ** 0.5
        self.init_noise_sigma = 1.0
        self.timesteps = torch.from_numpy(np.linspace(0, n - 1, n, dtype=np.float32)[::-1].copy())
        self.model_outputs = [None] * c["solver_order"]
        self.lower_order_nums = 0
        self.step_index = self.begin_index = None

    def set_timesteps(self, k):
        c, n = self.c, self.c["num_train_timesteps"]
        clipped_idx = torch.searchsorted(torch.flip(self.lambda_t, [0]), c["lambda_min_clipped"])
        last_timestep = ((n - clipped_idx).numpy()).item()
        if c["timestep_spacing"] == "linspace":
            timesteps = np.linspace(0, last_timestep - 1, k + 1).round()[::-1][:-1].copy().astype(np.int64)
        elif c["timestep_spacing"] == "leading":
            step_ratio = last_timestep // (k + 1)
            timesteps = (np.arange(0, k + 1) * step_ratio).round()[::-1][:-1].copy().astype(np.int64)
            timesteps += c["steps_offset"]
        else:
            step_ratio = n / k
            timesteps = np.arange(last_timestep, 0, -step_ratio).round().copy().astype(np.int64)
            timesteps -= 1
        sigmas = np.array(((1 - self.alphas_cumprod) / self.alphas_cumprod) ** 0.5)
        log_sigmas = np.log(sigmas)
        if c["use_karras_sigmas"]:
            sigmas = np.flip(sigmas).copy()
            lo, hi = sigmas[-1].item(), sigmas[0].item()
            ramp = np.linspace(0, 1, k)
            sigmas = (hi ** (1 / 7.0) + ramp * (lo ** (1 / 7.0) - hi ** (1 / 7.0))) ** 7.0
            timesteps = np.array([sigma_to_t(s, log_sigmas) for s in sigmas]).round()
        else:
            sigmas = np.interp(timesteps, np.arange(0, len(sigmas)), sigmas)
        if c["final_sigmas_type"] == "sigma_min":
            sigma_last = ((1 - self.alphas_cumprod[0]) / self.alphas_cumprod[0]) ** 0.5
        else:
            sigma_last = 0
        sigmas = np.concatenate([sigmas, [sigma_last]]).astype(np.float32)
        self.sigmas = torch.from_numpy(sigmas)
        self.timesteps = torch.from_numpy(timesteps).to(dtype=torch.int64)
        self.num_inference_steps = len(timesteps)
        self.model_outputs = [None] * c["solver_order"]
        self.lower_order_nums = 0
        self.step_index = self.begin_index = None

    def _sigma_to_alpha_sigma_t(self, sigma):
        alpha_t = 1 / ((sigma ** 2 + 1) ** 0.5)
        return alpha_t, sigma * alpha_t

    def convert_model_output(self, model_output, sample):
        p = self.c["prediction_type"]
        if p == "epsilon":
            alpha_t, sigma_t = self._sigma_to_alpha_sigma_t(self.sigmas[self.step_index])
            return (sample - sigma_t * model_output) / alpha_t
        if p == "sample":
            return model_output
        alpha_t, sigma_t = self._sigma_to_alpha_sigma_t(self.sigmas[self.step_index])
        return alpha_t * sample - sigma_t * model_output

    def first_order(self, model_output, sample):
        sigma_t, sigma_s = self.sigmas[self.step_index + 1], self.sigmas[self.step_index]
        alpha_t, sigma_t = self._sigma_to_alpha_sigma_t(sigma_t)
        alpha_s, sigma_s = self._sigma_to_alpha_sigma_t(sigma_s)
        h = (torch.log(alpha_t) - torch.log(sigma_t)) - (torch.log(alpha_s) - torch.log(sigma_s))
        return (sigma_t / sigma_s) * sample - (alpha_t * (torch.exp(-h) - 1.0)) * model_output

    def second_order(self, outputs, sample):
        sigma_t, sigma_s0, sigma_s1 = self.sigmas[self.step_index + 1], self.sigmas[self.step_index], self.sigmas[self.step_index - 1]
        alpha_t, sigma_t = self._sigma_to_alpha_sigma_t(sigma_t)
        alpha_s0, sigma_s0 = self._sigma_to_alpha_sigma_t(sigma_s0)
        alpha_s1, sigma_s1 = self._sigma_to_alpha_sigma_t(sigma_s1)
        lambda_t = torch.log(alpha_t) - torch.log(sigma_t)
        lambda_s0 = torch.log(alpha_s0) - torch.log(sigma_s0)
        lambda_s1 = torch.log(alpha_s1) - torch.log(sigma_s1)
        m0, m1 = outputs[-1], outputs[-2]
        h, h_0 = lambda_t - lambda_s0, lambda_s0 - lambda_s1
        r0 = h_0 / h
        D0, D1 = m0, (1.0 / r0) * (m0 - m1)
        if self.c["solver_type"] == "midpoint":
            return (sigma_t / sigma_s0) * sample - (alpha_t * (torch.exp(-h) - 1.0)) * D0 - 0.5 * (alpha_t * (torch.exp(-h) - 1.0)) * D1
        return (sigma_t / sigma_s0) * sample - (alpha_t * (torch.exp(-h) - 1.0)) * D0 + (alpha_t * ((torch.exp(-h) - 1.0) / h + 1.0)) * D1

    def index_for_timestep(self, t):
        hits = (self.timesteps == t).nonzero()
        if len(hits) == 0:
            return len(self.timesteps) - 1
        return hits[1 if len(hits) > 1 else 0].item()

    def scale_model_input(self, x, t):
        return x

    def step(self, model_output, t, sample):
        c = self.c
        if self.step_index is None:
            self.step_index = self.index_for_timestep(t) if self.begin_index is None else self.begin_index
        lower_order_final = (self.step_index == len(self.timesteps) - 1) and (
            c["euler_at_final"] or (c["lower_order_final"] and len(self.timesteps) < 15) or c["final_sigmas_type"] == "zero")
        model_output = self.convert_model_output(model_output, sample)
        for i in range(c["solver_order"] - 1):
            self.model_outputs[i] = self.model_outputs[i + 1]
        self.model_outputs[-1] = model_output
        sample = sample.to(torch.float32)
        if c["solver_order"] == 1 or self.lower_order_nums < 1 or lower_order_final:
            prev = self.first_order(model_output, sample)
        else:
            prev = self.second_order(self.model_outputs, sample)
        if self.lower_order_nums < c["solver_order"]:
            self.lower_order_nums += 1
        self.step_index += 1
        return prev.to(model_output.dtype), model_output

    def add_noise(self, x, noise, ts):
        if self.begin_index is None:
            idx = [self.index_for_timestep(t) for t in ts]
        elif self.step_index is not None:
            idx = [self.step_index] * ts.shape[0]
        else:
            idx = [self.begin_index] * ts.shape[0]
        sigma = self.sigmas.to(dtype=x.dtype)[idx].flatten()
        while len(sigma.shape) < len(x.shape):
            sigma = sigma.unsqueeze(-1)
        alpha_t, sigma_t = self._sigma_to_alpha_sigma_t(sigma)
        return alpha_t * x + sigma_t * noise


def trajectory(s, k, name, out, seed):
    """traj.x0 then per step the scaled input, model output, prev sample and x̂₀, as SchedulerRefCheck reads them."""
    g = torch.Generator().manual_seed(1000 + seed)
    s.set_timesteps(k)
    x = torch.randn(1, 4, 4, 6, generator=g)
    out[f"{name}.x0"] = x
    for i, t in enumerate(s.timesteps):
        mo = torch.randn(1, 4, 4, 6, generator=g)
        out[f"{name}.{i}.scaled_input"] = s.scale_model_input(x, t)
        out[f"{name}.{i}.model_output"] = mo
        x, x0 = s.step(mo, t, x)
        out[f"{name}.{i}.prev_sample"] = x
        out[f"{name}.{i}.pred_original_sample"] = x0


def main():
    out, cases = {}, {}

    def case(name, seed, counts=(1, 4, 25), long=None, **changes):
        c = dict(DPM, **changes)
        cases[name] = {"config": c, "counts": list(counts), "long": long}
        s = DpmSolverPlusPlus(c)
        out[f"{name}.alphas_cumprod"] = s.alphas_cumprod.clone()
        for k in counts:
            s.set_timesteps(k)
            out[f"{name}.n{k}.timesteps"] = s.timesteps.clone()
            out[f"{name}.n{k}.sigmas"] = s.sigmas.clone()
            out[f"{name}.n{k}.init_noise_sigma"] = torch.tensor([float(s.init_noise_sigma)], dtype=torch.float64)
        trajectory(s, 4, f"{name}.traj", out, seed)
        if long:
            trajectory(s, long, f"{name}.traj{long}", out, seed)

    case("dpm.sd", 0, long=20, **SD)
    case("dpm.sd.leading.v_prediction", 1, **SD, timestep_spacing="leading", steps_offset=1, prediction_type="v_prediction")
    case("dpm.sd.trailing.heun.sigma_min", 2, long=12, **SD, timestep_spacing="trailing", solver_type="heun",
         final_sigmas_type="sigma_min", lower_order_final=False)
    case("dpm.sd.karras", 3, long=20, **SD, use_karras_sigmas=True)
    case("dpm.sd.order1.trailing", 4, **SD, solver_order=1, timestep_spacing="trailing")
    case("dpm.linear.sample.euler_at_final", 5, final_sigmas_type="sigma_min", lower_order_final=False, euler_at_final=True,
         prediction_type="sample")
    # the cosine schedule's λ falls steeply at the end: diffusers' lambda_min_clipped cuts it from the schedule
    case("dpm.cosine.clipped", 6, beta_schedule="squaredcos_cap_v2", lambda_min_clipped=-5.1)

    spacing_counts = [1, 2, 3, 6, 7, 10, 33, 61, 103, 121]
    for spacing in ("linspace", "leading", "trailing"):
        s = DpmSolverPlusPlus(dict(DPM, **SD, timestep_spacing=spacing, steps_offset=1))
        for k in spacing_counts:
            s.set_timesteps(k)
            out[f"spacing.{spacing}.n{k}.timesteps"] = s.timesteps.clone()
            out[f"spacing.{spacing}.n{k}.sigmas"] = s.sigmas.clone()

    g = torch.Generator().manual_seed(77)
    x, noise = torch.randn(3, 4, 2, 3, generator=g), torch.randn(3, 4, 2, 3, generator=g)
    s = DpmSolverPlusPlus(dict(DPM, **SD))
    s.set_timesteps(25)
    ts = s.timesteps[[0, 12, 24]]
    out["noising.x"], out["noising.noise"], out["noising.timesteps"] = x, noise, ts
    out["noising.add_noise"] = s.add_noise(x, noise, ts)
    s.begin_index = 5
    out["noising.add_noise.begin5"] = s.add_noise(x, noise, ts)

    versions = {"torch": torch.__version__, "numpy": np.__version__, "diffusers": "DPMSolverMultistepScheduler, transcribed"}
    meta = {"cases": json.dumps(cases), "spacing_counts": json.dumps(spacing_counts), "versions": json.dumps(versions)}
    path = os.path.join(HERE, "dpmsolver.safetensors")
    write_safetensors(path, out, meta)
    print(f"wrote {path}: {len(out)} tensors, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
