"""The `dashboard` command end to end: what `make run` does, in a real process."""
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.helpers import ROOT, free_port

DASHBOARD = Path(sys.executable).parent / "dashboard"


def test_setup_demo_then_run_serves_the_app(tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
               INSTANCE_PATH=str(tmp_path / "instance"), LOG_FORMAT="text")
    setup = subprocess.run([str(DASHBOARD), "setup-demo"], env=env, capture_output=True,
                           text=True, timeout=300, cwd=ROOT)
    assert setup.returncode == 0, setup.stderr
    assert "user 'admin' password 'admin-demo-pass'" in setup.stdout
    users = subprocess.run([str(DASHBOARD), "users", "list"], env=env, capture_output=True,
                           text=True, timeout=60, cwd=ROOT)
    assert "manager\tmanager\tHKVitals, MuscleBlaze\tactive" in users.stdout

    port = free_port()
    server = subprocess.Popen([str(DASHBOARD), "run", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as response:
                    assert response.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "the server did not answer in 60 s"
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=10)
