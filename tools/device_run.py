"""What ran on a lent GPU machine that has torch but neither Ray nor the package's other needs installed.

    python tools/device_run.py OUT [--grids grids/a.toml ...] [--jobs N] [--steps] [--reproduce]

--steps      the training step's throughput (MLP, batch 64): eager, `torch.compile` (the package's
             `compile.compiled_step`), and the whole step captured by hand in one CUDA graph
             (loss, backward and Adam with capturable=True), printed as it/s;
--reproduce  `smooth-vae reproduce --data mnist5k --budget quick`, timed alone, its report copied to OUT;
--grids      each grid's trials through the sweep runner's own `run_trial` (the code Ray runs per trial),
             N trainings at once in worker processes, their lines appended to OUT/<grid>.jsonl in the
             format of `smooth-vae sweep`'s results.jsonl; the trials' run folders (checkpoints) go to
             --runs (default: device_runs in the system's temporary folder), so that OUT stays small;
             --reproduce's run folder goes there too.
             Each evaluation's whole record (every attack's accuracy, not only their worst case) is appended to
             OUT/<grid>_records.jsonl as well, with the trial's id;
--models M  with --grids: train nothing; each trial's training is copied from the folder of sweeps M (as the
             runner's `reuse` does) and only evaluated;
--ids I ...  only these trials of the grids (e.g. those a call's time limit left undone);
--pack SRC   run here, not there: copy from the folder of sweeps SRC each training of --grids into OUT/<grid>/trials/,
             its checkpoint cut to the model (no optimiser or random state: a third of the size, enough to evaluate,
             not to resume), so that the trained models of a CPU run travel to the GPU machine for --models.
Where Ray is installed, `smooth-vae sweep GRID --gpus-per-trial 0.1` does what --grids does.
"""
from __future__ import annotations
import argparse, itertools, json, os, shutil, subprocess, sys, tempfile, time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
import torch

def log(*a):
    print(*a, flush=True)

def its(step, seconds=1.5, min_steps=5) -> float:
    "Steps per second of `step()` over about `seconds`, synchronised at both ends."
    torch.cuda.synchronize(); t0, n = time.perf_counter(), 0
    while n < min_steps or time.perf_counter() - t0 < seconds: step(); n += 1
    torch.cuda.synchronize(); return n / (time.perf_counter() - t0)

def captured(model, opt, x0, cfg, loss_parts):
    "The whole training step (loss, backward, Adam) captured once in a CUDA graph; `step(x)` copies x in and replays it."
    static_x = x0.clone()
    s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):                                  # warm-up on a side stream, as the CUDA graphs notes ask
        for _ in range(3):
            opt.zero_grad(set_to_none=True); loss_parts(model, static_x, cfg)['loss'].mean().backward(); opt.step()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph(); opt.zero_grad(set_to_none=True)
    with torch.cuda.graph(g):
        parts = loss_parts(model, static_x, cfg); parts['loss'].mean().backward(); opt.step()
    def step(x):
        static_x.copy_(x); g.replay(); return parts
    return step

def step_bench():
    "it/s of the MLP training step at batch 64: eager, compiled (the package's path), captured whole (one CUDA graph)."
    from smooth_vae.models import build_model
    from smooth_vae.train import TrainConfig, train_step, loss_parts
    from smooth_vae.compile import compiled_step
    xs = torch.rand(8, 64, 1, 28, 28, device='cuda')
    for objective, L in (('vae', 0), ('se', 10), ('se', 50)):
        cfg = TrainConfig(objective=objective, data='mnist', arch='mlp', sel_steps=L, sel_eps=0.1, gamma=10., noise_var=0.01)
        row = {}
        for mode in ('eager', 'compiled', 'captured'):
            if mode == 'compiled' and L == 50: continue              # 70 s of compilation; measured before (237 it/s)
            try:
                torch.manual_seed(0); model = build_model('mlp', (1, 28, 28), 32, 0.01).cuda()
                opt = torch.optim.Adam(model.parameters(), lr=1e-3, capturable=(mode == 'captured'))
                batches = itertools.cycle(xs)                         # the next of 8 random batches resident on the GPU
                if mode == 'captured':
                    fn = captured(model, opt, xs[0], cfg, loss_parts)
                    step = lambda: fn(next(batches))
                else:
                    fast = compiled_step(opt, loss_parts, 'cuda') if mode == 'compiled' else {}
                    step = lambda: train_step(model, opt, next(batches), cfg, **fast)
                t0 = time.perf_counter(); step(); step(); step(); torch.cuda.synchronize(); warm = time.perf_counter() - t0
                row[mode] = max(its(step) for _ in range(3))
                loss = float(step()['loss'].detach().mean())
                log(f"step {objective} L={L} {mode:<9} {row[mode]:8.1f} it/s (best of 3)  first 3 steps {warm:5.1f} s  loss {loss:.1f}")
            except Exception as e:
                log(f"step {objective} L={L} {mode}: FAILED {type(e).__name__}: {str(e).splitlines()[0][:300]}")

def reproduce(out: Path, runs: Path, timeout=240):
    "The quick mnist5k reproduction as a user runs it, timed alone; its report and log copied to OUT."
    d = runs/'reproduce_mnist5k'; shutil.rmtree(d, ignore_errors=True)
    t0 = time.perf_counter()
    try: p = subprocess.run([sys.executable, '-c', 'import sys; from smooth_vae.cli import main; sys.exit(main())', 'reproduce',
                             '--data', 'mnist5k', '--budget', 'quick', '--out', str(d)], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        log(f"reproduce mnist5k quick: stopped after {timeout} s"); log(str(e.stdout)[-3000:]); return
    log(f"reproduce mnist5k quick: exit {p.returncode}, {time.perf_counter() - t0:.0f} s wall")
    (out/'reproduce_mnist5k.log').write_text(p.stdout + p.stderr)
    if (d/'report.json').is_file(): shutil.copy(d/'report.json', out/'reproduce_mnist5k_report.json')
    log(p.stdout[-3000:]); log(p.stderr[-1500:])

def run_group(group: list, root: str) -> list:
    "A worker: `run_trial` for each trial sharing one training, in turn (as the sweep runner's Tune trial does); (line, record) each."
    torch.set_num_threads(1)
    from smooth_vae.sweep import run_trial
    done = []
    for t in group:
        line, saved = run_trial(t, root), sorted((Path(root)/'trials'/t['id']).glob('eval_*.json'))   # the record run_trial wrote
        done.append((line, json.loads(saved[0].read_text()) if 'metrics' in line and saved else None))
    return done

def evaluate_group(group: list, models: str, root: str) -> list:
    "A worker: for each trial, its training copied from `models` into its own folder (`copy_training`), then evaluated; (line, record) each."
    torch.set_num_threads(1)
    from smooth_vae.evaluate import evaluate_run
    from smooth_vae.sweep import copy_training, trial_metrics, _one_line
    done = []
    for t in group:
        t0, line, rec, run = time.time(), dict(id=t['id'], config=dict(train=t['train'], evaluate=t['evaluate'])), None, Path(root)/'trials'/t['id']
        try:
            copy_training(t['train'], models, run)                 # none found: evaluate_run names the missing checkpoint
            rec = evaluate_run(run, **t['evaluate'], seed=t['train']['seed'], progress=False, write=False)
            line.update(metrics=trial_metrics(rec, run))
        except Exception as e: line.update(error=_one_line(e))
        done.append((dict(line, seconds=round(time.time() - t0, 2)), rec))
    return done

def pack(paths: list, src: str, out: Path):
    "Each training of the grids, found under the folder of sweeps `src`, copied to OUT/<grid>/trials/<run> with a model-only checkpoint."
    from smooth_vae.rundir import load_checkpoint, save_checkpoint
    from smooth_vae.sweep import expand_grid, read_grid, copy_training
    for g in paths:
        for t in {t['run']: t for t in expand_grid(read_grid(g))}.values():
            run = out/Path(g).stem/'trials'/t['run']
            if copy_training(t['train'], src, run) is None: log(f"pack {g}: no finished training under {src} for {t['run']}"); continue
            state = load_checkpoint(run/'checkpoint.pt')
            save_checkpoint(run/'checkpoint.pt', {k: state[k] for k in ('format', 'version', 'step', 'epoch', 'model', 'model_config', 'config')})
            (run/'result.json').write_text(json.dumps(dict(id=t['run'], packed_from=str(src))))   # what `copy_training` looks for there
            log(f"pack {g}: {t['run']} ({(run/'checkpoint.pt').stat().st_size / 2**20:.1f} MiB)")

def grids(paths: list, out: Path, jobs: int, runs: Path, models: str = None, ids: list = None):
    "All trainings of all grids at once, `jobs` worker processes; lines appended to OUT/<grid>.jsonl as each finishes."
    from smooth_vae.sweep import expand_grid, read_grid, append_line
    work = []
    for g in paths:
        groups = {}
        for t in expand_grid(read_grid(g)):
            if not ids or t['id'] in ids: groups.setdefault(t.get('run', t['id']), []).append(t)
        work += [(Path(g).stem, grp) for grp in groups.values()] if models is None else [(Path(g).stem, [t]) for grp in groups.values() for t in grp]
    t0 = time.perf_counter()
    import multiprocessing as mp
    with ProcessPoolExecutor(jobs, mp_context=mp.get_context('spawn')) as pool:
        futs = {(pool.submit(evaluate_group, grp, models, str(runs/name)) if models else pool.submit(run_group, grp, str(runs/name))): name
                for name, grp in work}
        for f in as_completed(futs):
            for line, rec in f.result():
                append_line(out/f'{futs[f]}.jsonl', line)
                if rec is not None: append_line(out/f'{futs[f]}_records.jsonl', dict(id=line['id'], record=rec))
                m = line.get('metrics', {})
                log(f"{time.perf_counter() - t0:6.0f} s  {futs[f]} {line['id']} {line['config']['train']['objective']} "
                    f"seed {line['config']['train']['seed']}: " + (f"nominal {m.get('nominal')} adv@0.1 {m.get('adversarial@0.1')} ({line['seconds']} s)"
                                                                    if m else line.get('error')))
    log(f"grids {', '.join(paths)}: {time.perf_counter() - t0:.0f} s wall, {jobs} at once")

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('out'); ap.add_argument('--grids', nargs='*', default=[]); ap.add_argument('--jobs', type=int, default=8)
    ap.add_argument('--runs', default=str(Path(tempfile.gettempdir())/'device_runs'))
    ap.add_argument('--steps', action='store_true'); ap.add_argument('--reproduce', action='store_true')
    ap.add_argument('--models'); ap.add_argument('--pack'); ap.add_argument('--ids', nargs='*', help='only these trials of the grids')
    a = ap.parse_args(); out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    name = torch.cuda.get_device_name() if torch.cuda.is_available() else 'no GPU (CPU)'
    log(f"device: {name} | torch {torch.__version__} | {time.strftime('%Y-%m-%d %H:%M')} | {os.cpu_count()} CPUs")
    if a.reproduce: reproduce(out, Path(a.runs))
    if a.pack: pack(a.grids, a.pack, out); sys.exit()
    if a.grids: grids(a.grids, out, a.jobs, Path(a.runs), a.models, a.ids)
    if a.steps: step_bench()
