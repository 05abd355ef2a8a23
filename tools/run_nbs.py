"""Execute notebooks in place so that the outputs saved in them (and so the docs) come from a run.

Usage: python tools/run_nbs.py [NOTEBOOK ...] [--skip FLAG ...]
With no notebooks, runs every notebook in nbs/ in order except the experiments (exp_*: `make experiments`). Cells whose directives carry a skipped
flag (e.g. `--skip slow`) keep their previous outputs. A notebook that fails is saved with the outputs it reached (the failing cell's error
among them) and the next one runs all the same: a failed check in one experiment notebook does not stop the chapter. The exit status is 1 if
any notebook failed, with a summary naming them. The notebooks run are cleaned afterwards."""
import argparse, subprocess, sys, time
from pathlib import Path
from execnb.shell import CaptureShell
from execnb.nbio import write_nb
from nbdev.process import NBProcessor

def run_nb(path:Path, skip:set):
    "Execute `path` in place, skipping cells flagged with any of `skip`; saved also when a cell fails, then the error propagates."
    nb = NBProcessor(path, rm_directives=False).nb                    # parses `#|` directives, keeps them
    def _skip(cell):
        if cell.cell_type != 'code': return True
        if 'nbdev_export(' in cell.source: return True
        return bool(skip & set((getattr(cell, 'directives_', None) or {}).keys()))
    sh = CaptureShell(path)
    sh.set_path(path.parent.resolve())
    try: sh.run_all(nb, exc_stop=True, preproc=_skip)
    finally:
        for c in nb.cells:                                            # drop processing attributes
            for k in ('directives_', 'idx_'): c.pop(k, None)
        nb.pop('frontmatter_', None)
        write_nb(nb, path)

def one_line(e:BaseException) -> str:
    "`Type: message`, on one line, shortened."
    msg = ' '.join(str(e).split())
    return f"{type(e).__name__}: {msg[:300]}{'...' if len(msg) > 300 else ''}"

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('nbs', nargs='*')
    ap.add_argument('--skip', nargs='*', default=['notest'], help='cell flags to leave unexecuted')
    a = ap.parse_args()
    paths = [Path(p) for p in a.nbs] or sorted(p for p in Path('nbs').glob('[0-9a-z]*.ipynb') if not p.name.startswith('exp_'))
    failed = []
    for p in paths:
        t = time.time(); print(f'running {p} ...', flush=True)
        try: run_nb(p.resolve(), set(a.skip))
        except Exception as e:
            failed.append(p); print(f'  FAILED after {time.time()-t:.0f}s: {one_line(e)}', flush=True)
        else: print(f'  done in {time.time()-t:.0f}s', flush=True)
    for p in paths: subprocess.run([str(Path(sys.executable).parent/'nbdev_clean'), '--fname', str(p)], check=True)
    if failed:
        print(f"{len(failed)} of {len(paths)} notebook(s) failed: {', '.join(p.name for p in failed)} (each saved with its error)", flush=True)
        sys.exit(1)

if __name__ == '__main__': main()
