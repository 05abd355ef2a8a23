"""Execute notebooks in place so that the outputs saved in them (and so the docs) come from a run.

Usage: python tools/run_nbs.py [NOTEBOOK ...] [--skip FLAG ...]
With no notebooks, runs every notebook in nbs/ in order except the experiments (exp_*: `make experiments`). Cells whose directives carry a skipped
flag (e.g. `--skip slow`) keep their previous outputs. Notebooks are cleaned afterwards."""
import argparse, subprocess, sys, time
from pathlib import Path
from execnb.shell import CaptureShell
from execnb.nbio import read_nb, write_nb
from nbdev.process import NBProcessor

def run_nb(path:Path, skip:set):
    nb = NBProcessor(path, rm_directives=False).nb                    # parses `#|` directives, keeps them
    def _skip(cell):
        if cell.cell_type != 'code': return True
        if 'nbdev_export(' in cell.source: return True
        return bool(skip & set((getattr(cell, 'directives_', None) or {}).keys()))
    sh = CaptureShell(path)
    sh.set_path(path.parent.resolve())
    sh.run_all(nb, exc_stop=True, preproc=_skip)
    for c in nb.cells:                                                # drop processing attributes
        for k in ('directives_', 'idx_'): c.pop(k, None)
    nb.pop('frontmatter_', None)
    write_nb(nb, path)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('nbs', nargs='*')
    ap.add_argument('--skip', nargs='*', default=['notest'], help='cell flags to leave unexecuted')
    a = ap.parse_args()
    paths = [Path(p) for p in a.nbs] or sorted(p for p in Path('nbs').glob('[0-9a-z]*.ipynb') if not p.name.startswith('exp_'))
    for p in paths:
        t = time.time(); print(f'running {p} ...', flush=True)
        run_nb(p.resolve(), set(a.skip))
        print(f'  done in {time.time()-t:.0f}s', flush=True)
    subprocess.run([str(Path(sys.executable).parent/'nbdev_clean')], check=True)

if __name__ == '__main__': main()
