"""The PyTorch peer of one MAGRPO step, for bench/e2e.ts (not a test).

Same model and step as ours, on the shapes given as JSON (argv[1], a file path or a JSON
string): a llama-style decoder (RMSNorm, RoPE, grouped-query attention, SwiGLU, tied
embeddings), random weights. One step, per agent: sample G completions of the prompt with a
KV cache (prefill of the G rows as Hugging Face generate does with num_return_sequences, then
one token per call, temperature 1, log-probs kept); then the joint reward of each of the G
aligned joint answers, group-mean advantages; then per agent one update: forward over
prompt + completion, log-probs of the completion tokens only (as TRL's logits_to_keep),
loss = -mean_g(A_g * sum_t mask * logp), backward, global-norm clipping at 1, AdamW.

Prints one JSON object: per-step seconds (sampling, reward, update, total), tokens sampled
per step, peak RSS, torch version and threads. The spec's optional "device" (e.g. "cuda", for
bench/gpu.sh) puts the model, caches and sampling there (torch >= 2.0); default "cpu".
"""

import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


class Llama(torch.nn.Module):
    """A llama-style decoder with tied embeddings and a preallocated KV cache."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        h, d = c["hidden"], c["headDim"]
        nq, nkv = c["heads"], c["kvHeads"]
        self.embed = torch.nn.Parameter(torch.randn(c["vocabSize"], h) * 0.02)
        self.layers = torch.nn.ModuleList()
        for _ in range(c["layers"]):
            m = torch.nn.Module()
            m.ln1 = torch.nn.Parameter(torch.ones(h))
            m.ln2 = torch.nn.Parameter(torch.ones(h))
            m.q = torch.nn.Linear(h, nq * d, bias=False)
            m.k = torch.nn.Linear(h, nkv * d, bias=False)
            m.v = torch.nn.Linear(h, nkv * d, bias=False)
            m.o = torch.nn.Linear(nq * d, h, bias=False)
            m.gate = torch.nn.Linear(h, c["intermediate"], bias=False)
            m.up = torch.nn.Linear(h, c["intermediate"], bias=False)
            m.down = torch.nn.Linear(c["intermediate"], h, bias=False)
            for lin in (m.q, m.k, m.v, m.o, m.gate, m.up, m.down):
                torch.nn.init.normal_(lin.weight, std=0.02)
            self.layers.append(m)
        self.norm = torch.nn.Parameter(torch.ones(h))
        self.inv_freq = 1.0 / (c["ropeTheta"] ** (torch.arange(0, d, 2).float() / d))

    def rope(self, x, pos):
        ang = pos[:, None].float() * self.inv_freq[None, :]  # [T, D/2]
        emb = torch.cat([ang, ang], -1)
        cos, sin = emb.cos(), emb.sin()
        half = x.shape[-1] // 2
        rot = torch.cat([-x[..., half:], x[..., :half]], -1)
        return x * cos + rot * sin

    def forward(self, ids, start=0, cache=None, keep=None):
        """ids [B, T] at positions start..start+T-1; cache: per layer (K, V) buffers
        [B, Hkv, maxLen, D] filled up to `start`. keep: (from, to) positions whose logits
        are returned (default: the last one)."""
        c = self.c
        b, t = ids.shape
        nq, nkv, d = c["heads"], c["kvHeads"], c["headDim"]
        rep = nq // nkv
        pos = torch.arange(start, start + t)
        x = self.embed[ids]
        masked = ~torch.ones(t, start + t, dtype=torch.bool).tril(start) if t > 1 else None
        for i, m in enumerate(self.layers):
            h = rms_norm(x, m.ln1, c["normEps"])
            q = self.rope(m.q(h).view(b, t, nq, d).transpose(1, 2), pos)
            k = self.rope(m.k(h).view(b, t, nkv, d).transpose(1, 2), pos)
            v = m.v(h).view(b, t, nkv, d).transpose(1, 2)
            if cache is not None:
                kc, vc = cache[i]
                kc[:, :, start:start + t] = k
                vc[:, :, start:start + t] = v
                k, v = kc[:, :, :start + t], vc[:, :, :start + t]
            s = k.shape[2]
            qg = q.reshape(b, nkv, rep, t, d)
            att = (qg @ k.unsqueeze(2).transpose(-1, -2)) / math.sqrt(d)
            if t > 1:
                att = att.masked_fill(masked, float("-inf"))
            out = (att.softmax(-1) @ v.unsqueeze(2)).reshape(b, nq, t, d)
            x = x + m.o(out.transpose(1, 2).reshape(b, t, nq * d))
            h2 = rms_norm(x, m.ln2, c["normEps"])
            x = x + m.down(F.silu(m.gate(h2)) * m.up(h2))
        lo, hi = keep if keep else (t - 1, t)
        x = rms_norm(x[:, lo:hi], self.norm, c["normEps"])
        return x @ self.embed.t()


@torch.no_grad()
def sample(model, prompt, g, max_new, gen):
    c = model.c
    p = len(prompt)
    ids = torch.tensor([prompt] * g)  # the G rows of the group, as HF generate expands them
    cache = [
        (torch.empty(g, c["kvHeads"], p + max_new, c["headDim"]),
         torch.empty(g, c["kvHeads"], p + max_new, c["headDim"]))
        for _ in range(c["layers"])
    ]
    logits = model(ids, 0, cache)[:, -1]
    toks, lps = [], []
    for step in range(max_new):
        logp = logits.log_softmax(-1)
        tok = torch.multinomial(logp.exp(), 1, generator=gen)  # [G, 1]
        toks.append(tok)
        lps.append(logp.gather(1, tok))
        if step == max_new - 1:
            break
        logits = model(tok, p + step, cache)[:, -1]
    return torch.cat(toks, 1).clone(), torch.cat(lps, 1).clone()


def reward(texts):
    """The synthetic joint reward shared with e2e.ts: the fraction of token ids below 128."""
    ids = [t for agent in texts for t in agent]
    return sum(1 for t in ids if t < 128) / len(ids)


def update(model, opt, prompt, comp, adv):
    g, n = comp.shape
    p = len(prompt)
    ids = torch.cat([torch.tensor([prompt] * g), comp], 1)
    logits = model(ids[:, :-1], 0, None, keep=(p - 1, p + n - 1))  # completion positions
    logp = logits.log_softmax(-1).gather(2, comp.unsqueeze(-1)).squeeze(-1)  # [G, N]
    mask = torch.ones(g, n)
    loss = -(adv[:, None] * logp * mask).sum(1).mean()
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    return float(loss)


def main():
    arg = sys.argv[1]
    spec = json.load(open(arg)) if os.path.exists(arg) else json.loads(arg)
    torch.set_num_threads(spec.get("threads", 2))
    torch.manual_seed(0)
    device = spec.get("device", "cpu")
    if device != "cpu":
        torch.set_default_device(device)  # every tensor below is created there
    gen = torch.Generator(device=device).manual_seed(0)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    c, g, n = spec["model"], spec["groupSize"], spec["maxNewTokens"]
    agents = [Llama(c) for _ in range(spec["agents"])]
    opts = [torch.optim.AdamW(m.parameters(), lr=spec.get("lr", 1e-5), weight_decay=0.01,
                              betas=(0.9, 0.999), eps=1e-8, foreach=True) for m in agents]
    prompts = spec["prompts"]  # one token list per agent
    steps = []
    for it in range(spec["warmup"] + spec["steps"]):
        sync()
        t0 = time.perf_counter()
        groups = [sample(m, prompts[i], g, n, gen) for i, m in enumerate(agents)]
        sync()
        t1 = time.perf_counter()
        rewards = torch.tensor([reward([gr[0][k].tolist() for gr in groups]) for k in range(g)])
        adv = rewards - rewards.mean()
        t2 = time.perf_counter()
        for i, m in enumerate(agents):
            update(m, opts[i], prompts[i], groups[i][0], adv)
        sync()
        t3 = time.perf_counter()
        if it >= spec["warmup"]:
            steps.append({"sampling": t1 - t0, "reward": t2 - t1, "update": t3 - t2,
                          "total": t3 - t0})
    print(json.dumps({
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name() if device.startswith("cuda") else device,
        "threads": torch.get_num_threads(),
        "params": sum(p.numel() for p in agents[0].parameters()),
        "tokensPerStep": spec["agents"] * g * n,
        "steps": steps,
        "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
