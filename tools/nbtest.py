"""Run `nbdev_test` and end with one line `N passed, N failed`, counting notebooks.

nbdev_test prints no count; with `--do_print` it names each notebook it starts, and on failure it
lists the failed notebooks after a fence. Extra arguments go to nbdev_test unchanged
(e.g. `--flags slow`, `--path nbs/03_gaussian_w2.ipynb`)."""
import os, re, subprocess, sys, threading

def main(argv):
    exe = os.path.join(os.path.dirname(sys.executable), 'nbdev_test')
    cmd = [exe, '--do_print', *argv]
    print('+', ' '.join(['nbdev_test', '--do_print', *argv]), flush=True)
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    started, failed, err = [], [], []
    def pump_err():
        for line in p.stderr:
            sys.stderr.write(line); err.append(line)
    t = threading.Thread(target=pump_err); t.start()
    for line in p.stdout:
        sys.stdout.write(line); sys.stdout.flush()
        m = re.match(r'Starting (.+\.ipynb)\s*$', line)
        if m: started.append(m.group(1))
    t.join(); rc = p.wait()
    text = ''.join(err)
    if 'nbdev Tests Failed On The Following Notebooks' in text:
        tail = text.split('nbdev Tests Failed On The Following Notebooks', 1)[1]
        failed = [l.strip() for l in tail.splitlines() if l.startswith('\t') and l.strip().endswith('.ipynb')]
    if rc != 0 and not failed: failed = ['(nbdev_test itself)']   # crashed before listing notebooks
    n_failed = len(failed)
    print(f'{max(len(started) - n_failed, 0)} passed, {n_failed} failed')
    return rc

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
