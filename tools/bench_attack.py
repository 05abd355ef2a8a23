"""Benchmark: our PGD-100x10 against torchattacks' `PGD` run with 10 sequential restarts.

Same model (a VAE encoder mean + linear probe trained on digits), same test images, same radius,
same step size (2.5 eps / steps), same number of threads. Ours batches the 10 restarts into one
`pgd` call and retires examples as soon as one restart fools them; torchattacks runs each restart
over the whole batch for all 100 steps, and we keep the worst case per example over its restarts.

torchattacks pins an old `requests`, so it lives in its own virtual environment:

    python3 -m venv /tmp/ta-venv && /tmp/ta-venv/bin/pip install torch==2.14.1 torchattacks

Usage: .venv/bin/python tools/bench_attack.py [--runs RUN_DIR ...] [--radii 0.01 0.1] [--ta-python /tmp/ta-venv/bin/python]
Without --runs it trains the VAE and the SE of the quick digits budget (about a minute).
Prints one row per model and radius: both times, the speed-up and both adversarial accuracies.
"""
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def _build_classifier(blob):
    "Rebuild encoder mean + probe from a saved blob (needs only torch and smooth_vae.models)."
    import torch
    from smooth_vae.models import build_model
    model = build_model(**blob['config']); model.load_state_dict(blob['model'])
    probe = torch.nn.Linear(*blob['probe']['weight'].shape[::-1]); probe.load_state_dict(blob['probe'])
    class Clf(torch.nn.Module):
        def __init__(self): super().__init__(); self.model, self.probe = model, probe
        def forward(self, x): return self.probe(self.model.encode(x)[0])
    return Clf().eval()

def torchattacks_side(path, threads):
    "Runs inside the torchattacks venv: 10 sequential PGD restarts, worst case per example."
    import torch, torchattacks
    torch.set_num_threads(threads)
    blob = torch.load(path, weights_only=True)
    clf, x, y, steps, restarts = _build_classifier(blob), blob['x'], blob['y'], blob['steps'], blob['restarts']
    out = {}
    for seed in blob['seeds']:
        for eps in blob['radii']:
            t = time.perf_counter()
            robust = torch.ones(len(x), dtype=torch.bool)
            atk = torchattacks.PGD(clf, eps=eps, alpha=2.5 * eps / steps, steps=steps, random_start=True)
            for r in range(restarts):
                torch.manual_seed(1000 * seed + r)
                adv = atk(x, y)
                with torch.no_grad(): robust &= clf(adv).argmax(1) == y
            out[f'{seed} {eps}'] = dict(seconds=time.perf_counter() - t, accuracy=robust.float().mean().item())
    print(json.dumps(out))

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--runs', nargs='+', default=None, help='trained run directories (default: train the quick digits VAE and SE)')
    ap.add_argument('--radii', type=float, nargs='+', default=[0.01, 0.1, 0.2, 0.3])
    ap.add_argument('--steps', type=int, default=100)
    ap.add_argument('--restarts', type=int, default=10)
    ap.add_argument('--n-test', type=int, default=None)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--seeds', type=int, nargs='+', default=[0], help='one full comparison per seed (random starts)')
    ap.add_argument('--ta-python', default='/tmp/ta-venv/bin/python')
    ap.add_argument('--_ta', default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._ta: return torchattacks_side(a._ta, a.threads)

    import torch
    from smooth_vae.data import load_dataset
    from smooth_vae.models import model_config
    from smooth_vae.train import TrainConfig, train, load_run
    from smooth_vae.evaluate import posterior_means, fit_probe, ProbedEncoder, accuracy, pgd_attack, attacked_subset, BUDGETS
    torch.set_num_threads(a.threads)
    tmp = tempfile.mkdtemp(prefix='bench_attack_')
    runs = a.runs or [train(TrainConfig(model=m, data='digits', out=os.path.join(tmp, m), **BUDGETS['quick']['digits']['train']),
                            progress=False) for m in ('vae', 'se')]
    print(f'PGD-{a.steps}x{a.restarts}, step size 2.5 eps / steps, {a.threads} thread(s), torch {torch.__version__}')
    print(f"{'model':<6} {'seed':>4} {'eps':>5} {'ours s':>8} {'acc':>6} {'torchattacks s':>15} {'acc':>6} {'speed-up':>9}")
    tot_o = tot_t = 0.
    for run in runs:
        cfg, model = load_run(run)
        tr, te = load_dataset(cfg.data, split='train', root=cfg.data_root), load_dataset(cfg.data, split='test', root=cfg.data_root)
        task = tr.default_task
        probe = fit_probe(posterior_means(model, tr.images), tr.labels[task], tr.n_classes[task])
        clf = ProbedEncoder(model, probe).eval()
        idx = attacked_subset(len(te), a.n_test)
        x, y = te.images[idx], te.labels[task][idx]
        blob = dict(config=model_config(model), model=model.state_dict(), probe=probe.state_dict(), x=x, y=y,
                    radii=a.radii, steps=a.steps, restarts=a.restarts, seeds=a.seeds)
        path = os.path.join(tmp, 'blob.pt'); torch.save(blob, path)
        ours = {}
        for seed in a.seeds:
            for eps in a.radii:
                t = time.perf_counter()
                _, ok = pgd_attack(clf, x, y, eps, a.steps, a.restarts, seed=seed)
                ours[f'{seed} {eps}'] = dict(seconds=time.perf_counter() - t, accuracy=ok.float().mean().item())
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        p = subprocess.run([a.ta_python, __file__, '--_ta', path, '--threads', str(a.threads)], env=env, capture_output=True, text=True)
        if p.returncode: sys.exit(f'torchattacks side failed:\n{p.stderr[-2000:]}')
        theirs = json.loads(p.stdout.strip().splitlines()[-1])
        name = f"{cfg.model.upper()}"
        print(f'{name}: {cfg.data}, {len(x)} test images, nominal accuracy {accuracy(clf, x, y):.3f}')
        for k in ours:
            o, t, eps = ours[k], theirs[k], float(k.split()[1])
            tot_o, tot_t = tot_o + o['seconds'], tot_t + t['seconds']
            print(f"{name:<6} {k.split()[0]:>4} {eps:>5g} {o['seconds']:>8.2f} {o['accuracy']:>6.3f} {t['seconds']:>15.2f} {t['accuracy']:>6.3f} {t['seconds'] / o['seconds']:>8.1f}x")
    print(f"total: ours {tot_o:.1f} s, torchattacks {tot_t:.1f} s, speed-up {tot_t / tot_o:.1f}x")

if __name__ == '__main__': main()
