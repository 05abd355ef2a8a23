"""Table 1's cost at the paper's scale, measured where a GPU is lent (no CelebA files are needed there or here).

    python tools/celeba_cost.py OUT [--n 2000] [--iterations 3000] [--n-test 300] [--n-pgd 2000] [--n-aa 200] [--limit 480] [--phases ...]

Writes OUT/celeba_cost.json (every measured rate, the machine) after each phase, and prints each as it is measured.
The phases, cheapest first, so that a time limit cuts the longest:

1. eager training rates (no compilation) of the paper's CelebA VAE and SE step (batch 64, L = 20, random images);
2. the attacks' cost per image when no image is ever broken (the most an image can cost): PGD-100x10, the latent
   shift (PGD-100 on the encoder) and AutoAttack's suite for 2 classes, on the paper's (untrained) CelebA model with
   a probe whose labels are its own clean predictions, at a radius of 1e-6, where nothing flips; with nothing
   broken, the cost does not depend on the weights;
3. the posterior means' rate and one probe's fit on as many features as CelebA's training split (162,770);
4. `table1` end to end, the command's own path, on a fake CelebA tree (`table1.fake_celeba`: n random 218x178
   JPEGs): the paper budget (conv, 64x64, SE with L = 20; compiled on CUDA) cut to --iterations Adam steps, then
   the 17 tasks of both models attacked with PGD-100x10 and AutoAttack on --n-test fake test images. Kept: its
   phases (`table1.json`'s seconds), any warning (a failed compilation warns and runs eager), each training's
   steady it/s (the median of its train_log.jsonl intervals after the first, which holds the compilation), and
   the train logs and table1.json themselves. Random labels make the probes near chance, so these attacks end
   early: this phase checks the path and times training and loading, not the attacks.

nbs/09b_table1.ipynb turns these rates into the projected cost of `smooth-vae table1` at the paper's scale.
"""
from __future__ import annotations
import argparse, json, os, shutil, statistics, tempfile, time, warnings
from pathlib import Path
import torch

CELEBA_TRAIN, CELEBA_TEST, CELEBA_ALL = 162_770, 19_962, 202_599      # the official partition's sizes
TINY = 1e-6                                                            # a radius at which no image flips

def log(*a): print(*a, flush=True)

def sync():
    if torch.cuda.is_available(): torch.cuda.synchronize()

def timed(fn):
    "(result, seconds) of fn(), synchronised at both ends."
    sync(); t0 = time.perf_counter(); r = fn(); sync(); return r, time.perf_counter() - t0

def steady_its(run: Path) -> float:
    "Median it/s of a training's logged intervals after the first (which holds compilation and warm-up)."
    rows = [json.loads(l) for l in (run/'train_log.jsonl').read_text().splitlines() if l.strip()]
    return statistics.median(r['it_s'] for r in rows[1:]) if len(rows) > 1 else rows[0]['it_s']

def end_to_end(a, tmp: Path, rec: dict, out_dir: Path):
    "`table1` on a fake tree, the paper budget cut to a.iterations steps."
    from smooth_vae.table1 import Table1Config, table1, fake_celeba
    from smooth_vae.compile import use_compile
    from smooth_vae.train import resolve_device
    (_, parts), t = timed(lambda: fake_celeba(tmp/'data', n=a.n)); log(f"fake tree: {a.n} JPEGs written in {t:.1f} s")
    cfg = Table1Config(out=str(tmp/'t1'), data_root=str(tmp/'data'), iterations=a.iterations, n_test=a.n_test, quiet=True)
    with warnings.catch_warnings(record=True) as caught:                 # a failed compilation warns and runs eager
        warnings.simplefilter('always'); out, t = timed(lambda: table1(cfg))
    its = {m: steady_its(tmp/'t1'/m) for m in ('vae', 'se')}
    for f in ('vae/train_log.jsonl', 'se/train_log.jsonl', 'table1.json'): shutil.copy(tmp/'t1'/f, out_dir/f.replace('/', '_'))
    n_loaded = parts.count(0) + parts.count(2)                          # the train and test images `table1` loads
    rec['table1'] = dict(n=a.n, iterations=a.iterations, n_test=out['n_test'], seconds=out['seconds'], wall=round(t, 1),
                         its=its, compiled=use_compile('auto', resolve_device('auto')),
                         warnings=sorted({str(w.message).splitlines()[0][:300] for w in caught}), jpeg_per_s=round(n_loaded / out['seconds']['data'], 1),
                         adversarial={m: statistics.mean(c[m]['adversarial'] for c in out['tasks'].values()) for m in ('vae', 'se')})
    log(f"table1 end to end: {t:.0f} s {out['seconds']}; steady it/s {its} (compiled: {rec['table1']['compiled']}); "
        f"JPEGs loaded per s {rec['table1']['jpeg_per_s']}; warnings {rec['table1']['warnings']}")

def paper_model(objective: str, dev) -> tuple:
    "(settings, model): the paper's CelebA budget and its encoder-decoder, untrained (an attack's cost does not depend on the weights when nothing breaks)."
    from smooth_vae.models import build_model
    from smooth_vae.train import TrainConfig
    cfg = TrainConfig.from_budget('celeba', 'paper', objective=objective)
    torch.manual_seed(0); return cfg, build_model(cfg.arch, (3, 64, 64), cfg.latent, cfg.noise_var).to(dev)

def attacks(a, rec: dict, dev):
    "Per-image cost of each attack when nothing breaks, on the paper's CelebA model."
    from smooth_vae.evaluate import posterior_means, fit_probe, ProbedEncoder, latent_shift
    from smooth_vae.attacks import pgd_attack, autoattack
    model = paper_model('se', dev)[1].eval()
    g = torch.Generator().manual_seed(0)
    x = torch.rand(a.n_pgd, 3, 64, 64, generator=g)
    feats = posterior_means(model, x)
    probe = fit_probe(feats, torch.randint(0, 2, (len(x),), generator=g), 2)
    clf = ProbedEncoder(model, probe).eval()
    with torch.no_grad(): y = torch.cat([clf(xb.to(dev)).argmax(1).cpu() for xb in x.split(1000)])   # every image starts correct
    (_, robust), t = timed(lambda: pgd_attack(clf, x, y, TINY, steps=100, restarts=10, seed=0))
    rec['pgd'] = dict(images=len(x), seconds=round(t, 2), robust=float(robust.float().mean()), ms_per_image=round(1e3 * t / len(x), 3))
    log(f"PGD-100x10, nothing broken: {len(x)} images in {t:.1f} s ({rec['pgd']['ms_per_image']} ms per image), robust {rec['pgd']['robust']:.4f}")
    _, t = timed(lambda: latent_shift(model, x, TINY, steps=100, seed=0))
    rec['latent_shift'] = dict(images=len(x), seconds=round(t, 2), ms_per_image=round(1e3 * t / len(x), 3))
    log(f"latent shift PGD-100: {t:.1f} s ({rec['latent_shift']['ms_per_image']} ms per image)")
    xs, ys = x[:a.n_aa], y[:a.n_aa]
    (robust, _, secs), t = timed(lambda: autoattack(clf, xs, ys, TINY, 2, seed=0))
    rec['autoattack'] = dict(images=len(xs), seconds=round(t, 2), robust=float(robust.float().mean()), by_attack={k: round(v, 2) for k, v in secs.items()},
                             ms_per_image=round(1e3 * t / len(xs), 3))
    log(f"AutoAttack (2 classes), nothing broken: {len(xs)} images in {t:.1f} s {rec['autoattack']['by_attack']}, robust {rec['autoattack']['robust']:.4f}")

def probes(a, rec: dict, dev):
    "The posterior means' rate on a.n_pgd * 10 images, one probe's fit on CelebA's training-split size."
    from smooth_vae.evaluate import posterior_means, fit_probe
    cfg, model = paper_model('se', dev)
    x = torch.rand(10 * a.n_pgd, 3, 64, 64)
    _, t = timed(lambda: posterior_means(model, x))
    rec['posterior_means_per_s'] = round(len(x) / t, 1)
    g = torch.Generator().manual_seed(1)
    f = torch.randn(CELEBA_TRAIN, cfg.latent, generator=g).to(dev)
    lab = (f[:, 0] + 0.5 * torch.randn(len(f), generator=g).to(dev) > 0).long()   # a learnable task
    p, t = timed(lambda: fit_probe(f, lab, 2))
    rec['probe_fit'] = dict(features=list(f.shape), seconds=round(t, 2), val_accuracy=round(float(p.val_accuracy), 4))
    log(f"posterior means {rec['posterior_means_per_s']} images/s; one probe on {CELEBA_TRAIN} features: {t:.1f} s")

def eager(a, rec: dict, dev):
    "Eager training rates of the paper's CelebA VAE and SE step, batch 64, random 64x64 images."
    import itertools
    from smooth_vae.train import train_step
    xs = torch.rand(4, 64, 3, 64, 64, device=dev)
    rec['eager_its'] = {}
    for objective in ('vae', 'se'):
        cfg, model = paper_model(objective, dev)
        opt, batches = torch.optim.Adam(model.parameters(), lr=cfg.lr), itertools.cycle(xs)
        for _ in range(3): train_step(model, opt, next(batches), cfg)
        sync(); t0, n = time.perf_counter(), 0
        while n < 5 or time.perf_counter() - t0 < 5: train_step(model, opt, next(batches), cfg); n += 1
        sync(); rec['eager_its'][objective] = round(n / (time.perf_counter() - t0), 2)
    log(f"eager it/s {rec['eager_its']}")

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('out'); ap.add_argument('--n', type=int, default=2000); ap.add_argument('--iterations', type=int, default=3000)
    ap.add_argument('--n-test', type=int, default=300); ap.add_argument('--n-pgd', type=int, default=2000)
    ap.add_argument('--n-aa', type=int, default=200); ap.add_argument('--limit', type=float, default=480, help='seconds: no phase starts after')
    ap.add_argument('--phases', nargs='*', default=['eager', 'attacks', 'probes', 'table1'], choices=['eager', 'attacks', 'probes', 'table1'])
    a = ap.parse_args(); out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    name = torch.cuda.get_device_name() if dev.type == 'cuda' else 'no GPU (CPU)'
    rec, start = dict(device=name, torch=torch.__version__, cpus=os.cpu_count(), date=time.strftime('%Y-%m-%d %H:%M'),
                      celeba=dict(train=CELEBA_TRAIN, test=CELEBA_TEST, all=CELEBA_ALL)), time.perf_counter()
    log(f"device: {name} | torch {torch.__version__} | {rec['date']} | {os.cpu_count()} CPUs")
    tmp = Path(tempfile.mkdtemp(prefix='celeba_cost_'))
    phases = dict(eager=lambda: eager(a, rec, dev), attacks=lambda: attacks(a, rec, dev), probes=lambda: probes(a, rec, dev),
                  table1=lambda: end_to_end(a, tmp, rec, out))
    for name in a.phases:
        if time.perf_counter() - start > a.limit: log(f"stopped: {a.limit:.0f} s limit reached"); break
        phases[name]()
        (out/'celeba_cost.json').write_text(json.dumps(rec, indent=1) + '\n')
    log(f"done in {time.perf_counter() - start:.0f} s")
