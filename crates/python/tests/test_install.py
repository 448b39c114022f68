"""`pip install ./crates/python` from a clean clone, into a fresh venv."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO, TARGET


def test_pip_install_from_a_clean_clone(tmp_path):
    clone = tmp_path / "clone"
    # The committed tree only, as a user's clone would have it.
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {
        **os.environ,
        # Reuse the compiled dependencies; a dev build keeps CI short (the
        # build steps are the same as a release wheel's).
        "CARGO_TARGET_DIR": str(TARGET),
        "MATURIN_PEP517_ARGS": "--profile dev",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    r = subprocess.run([str(venv / "bin/python"), "-m", "pip", "install", "-q", "./crates/python"],
                       cwd=clone, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    data = tmp_path / "DIR"
    data.mkdir()
    (data / "w.bin").write_bytes(b"w" * 100_000)
    r = subprocess.run([str(venv / "bin/python"), "-c",
                        f"import preload; print(preload.warm({str(data)!r}))"],
                       cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("WarmSummary(method='read'"), r
    assert "files_read=1" in r.stdout and "bytes=100000" in r.stdout
