"""Errors: the Python exceptions people catch, with the CLI's messages;
partial failures are data."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import preload
from conftest import binary


def cli_message(*args: str) -> str:
    r = subprocess.run([str(binary("preload")), *args], capture_output=True, text=True)
    assert r.returncode != 0
    return r.stderr.strip().removeprefix("preload: ")


def test_a_missing_path_is_file_not_found_with_the_cli_message(tmp_path):
    missing = tmp_path / "modles"
    with pytest.raises(FileNotFoundError) as e:
        preload.warm(missing)
    assert str(e.value) == cli_message("warm", str(missing)) == f"{missing}: no such file or directory"
    assert e.value.errno == 2
    with pytest.raises(FileNotFoundError):
        preload.status(missing)
    with pytest.raises(FileNotFoundError):
        preload.warming(missing)


def test_too_large_is_its_own_error_and_reads_nothing(model):
    root, _ = model
    preload.evict(root)
    with pytest.raises(preload.TooLargeError, match="refusing to read") as e:
        preload.warm(root, max_bytes=1000)
    assert isinstance(e.value, preload.PreloadError)
    # Planning the loader order reads the index and the safetensors
    # headers (a few KiB); no tensor data.
    assert preload.status(root).total.resident_bytes < 64 << 10
    assert preload.warm(root, max_bytes="available").failed == []


def test_an_empty_selection_is_an_error_unless_allowed(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(preload.NothingSelectedError, match="no files selected under"):
        preload.warm(tmp_path / "empty")
    assert preload.warm(tmp_path / "empty", allow_empty=True).files == 0


def test_a_bad_glob_is_a_value_error(model):
    with pytest.raises(ValueError, match="invalid glob"):
        preload.warm(model[0], include="[")


def run_as_nobody(code: str) -> subprocess.CompletedProcess:
    # The venv's interpreter must be reachable by nobody: .ci/python.sh
    # builds it from /usr/bin/python3 when that exists.
    return subprocess.run(
        ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
         sys.executable, "-c", code],
        capture_output=True, text=True, env={**os.environ, "PRELOAD_CACHE_DIR": "/tmp"},
    )


@pytest.fixture
def shared_dir():
    d = Path(tempfile.mkdtemp(prefix="preload-py-"))
    d.chmod(0o755)
    yield d
    subprocess.run(["rm", "-rf", str(d)], check=True)


def test_permission_errors_as_a_non_root_user(shared_dir):
    if os.geteuid() != 0:
        pytest.skip("SKIPPED: needs root to run as nobody")
    probe = run_as_nobody("import preload")
    if probe.returncode != 0:
        pytest.fail(f"nobody cannot import preload from {sys.executable}: {probe.stderr}")
    locked = shared_dir / "locked"
    locked.mkdir()
    (locked / "w.bin").write_bytes(b"x" * 4096)
    locked.chmod(0o700)
    r = run_as_nobody(
        "import preload\n"
        f"try: preload.warm({str(locked / 'w.bin')!r})\n"
        "except PermissionError as e: print('PermissionError', e)\n"
    )
    assert r.stdout.startswith("PermissionError") and "ermission denied" in r.stdout, r
    # One unreadable file among readable ones: data in the summary, no exception.
    tree = shared_dir / "tree"
    tree.mkdir()
    (tree / "ok.bin").write_bytes(b"y" * 4096)
    (tree / "secret.bin").write_bytes(b"z" * 4096)
    (tree / "secret.bin").chmod(0o600)
    r = run_as_nobody(
        "import preload\n"
        f"s = preload.warm({str(tree)!r})\n"
        "print(s.files_read, [(f.path.rsplit('/', 1)[1], f.error) for f in s.failed])\n"
    )
    assert r.returncode == 0, r
    assert r.stdout.startswith("1 [('secret.bin'") and "ermission denied" in r.stdout, r
