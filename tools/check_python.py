# Stops with one line when this Python is older than settings.ini's min_python.
# Written for any Python (no f-strings), so that old interpreters reach the message.
import sys, re, io
txt = io.open('settings.ini', encoding='utf-8').read()
m = re.search(r'^min_python\s*=\s*([0-9.]+)', txt, re.M)
need = tuple(int(o) for o in m.group(1).split('.'))
if sys.version_info[:len(need)] < need:
    sys.stderr.write('smooth_vae needs Python >= %s, but %s is Python %s. Set PYTHON=/path/to/python%s and retry\n'
                     % (m.group(1), sys.executable, sys.version.split()[0], m.group(1)))
    sys.exit(1)
