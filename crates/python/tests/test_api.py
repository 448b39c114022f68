"""Round trips through the public API, against the files and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import preload
from conftest import binary, nearly_all


def test_warm_evict_status_round_trip(model):
    root, _ = model
    preload.evict(root)
    assert preload.status(root).total.resident_bytes == 0
    s = preload.warm(root, parallelism=4)
    assert isinstance(s, preload.WarmSummary)
    assert s.files == s.files_read == 6
    assert s.bytes == s.planned_bytes == sum(p.stat().st_size for p in root.iterdir())
    assert nearly_all(s.residency.fraction) and not s.failed and not s.interrupted
    assert s.parallelism == 4 and s.parallelism_source == "fixed" and s.order == "loader"
    r = preload.status(str(root))
    assert nearly_all(r.fraction) and len(r.files) == 6
    e = preload.evict([root])
    assert nearly_all(e.before.fraction) and e.after.resident_bytes == 0 and e.files == 6


def test_a_rewarm_skips_what_is_resident(model):
    root, _ = model
    preload.warm(root)
    again = preload.warm(root)
    assert again.resident_skipped_bytes == again.bytes
    cold = preload.warm(root, skip_resident=False)
    assert cold.resident_skipped_bytes == 0


def test_keep_open_reads_every_byte(model):
    root, _ = model
    preload.evict(root)
    s = preload.warm(root, parallelism=2, chunk_size=1 << 20, keep_open=True)
    assert s.bytes == s.planned_bytes and not s.failed
    assert nearly_all(preload.status(root).fraction)


def test_the_summary_has_the_fields_of_the_cli_json(model):
    root, _ = model
    cli = json.loads(subprocess.run([str(binary("preload")), "warm", "--json", "-P", "2", str(root)],
                                    check=True, capture_output=True, text=True).stdout)
    s = preload.warm(root, parallelism=2)
    assert set(s.raw) == set(cli)
    fields = {f for f in type(s).__dataclass_fields__ if f != "raw"}
    assert fields <= set(cli) | {"raw"}, fields - set(cli)
    assert set(cli) - fields <= {"kind", "schema_version"}


def test_filters_and_order(model):
    root, _ = model
    s = preload.warm(root, include="*.safetensors", order="path")
    assert s.files == 4 and s.order == "path"
    s = preload.warm(root, exclude=["*.safetensors", "config.json"])
    assert s.files == 1


def test_progress_callback_sees_the_bytes(model):
    root, _ = model
    seen = []
    preload.evict(root)
    preload.warm(root, parallelism=2, progress=seen.append)
    # The monitor ticks while reading; a warm this short may finish within
    # one tick, so only what was reported is checked.
    for p in seen:
        assert isinstance(p, preload.Progress)
        assert 0 <= p.bytes_done <= p.bytes_total and p.files_total == 6


def test_parallelism_choices(model):
    root, _ = model
    assert preload.warm(root, parallelism="auto").parallelism_source == "auto"
    assert preload.warm(root).parallelism_source in ("profile", "default")
    with pytest.raises(ValueError, match="parallelism"):
        preload.warm(root, parallelism=0)
    with pytest.raises(ValueError, match="parallelism"):
        preload.warm(root, parallelism="many")
    with pytest.raises(ValueError):
        preload.warm(root, method="carrier-pigeon")


def test_warming_reads_everything_when_waited_for(model):
    root, _ = model
    preload.evict(root)
    with preload.warming(root, parallelism=4) as w:
        s = w.wait(timeout=60)
        assert w.done and w.summary is s
    assert not s.interrupted and nearly_all(s.residency.fraction)
    assert w.progress.bytes_done == s.planned_bytes or s.elapsed_s < 0.2


def test_tune_on_a_small_tree_reports_levels(model):
    root, _ = model
    probes = []
    t = preload.tune(root, time_budget=2, max_level=4, save=False, on_probe=probes.append)
    assert isinstance(t, preload.TuneResult)
    assert t.knee >= 1 and 0 <= t.confidence <= 1 and t.saved_profile is None
    curve = [p for p in probes if p["phase"] in ("sweep", "descend", "bisect")]
    assert [lv.level for lv in t.levels] == sorted({p["level"] for p in curve})
    assert {p["phase"] for p in probes} <= {"sweep", "descend", "bisect", "check", "method", "shape"}


def test_python_m_preload_mirrors_the_cli(model):
    root, _ = model
    py = [sys.executable, "-m", "preload"]
    out = subprocess.run([*py, "warm", "-P", "3", "--json", str(root)],
                         check=True, capture_output=True, text=True).stdout
    assert json.loads(out)["parallelism"] == 3
    r = subprocess.run([*py, "warm", str(root)], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("warmed 6 of 6 files"), r
    subprocess.run([*py, "evict", str(root)], check=True, capture_output=True)
    r = subprocess.run([*py, "status", "--min", "99%", str(root)], capture_output=True, text=True)
    assert r.returncode == 6 and "below --min 99%" in r.stderr, r
    r = subprocess.run([*py, "run", "-P", "2", str(root), "--", "sh", "-c", "exit 7"],
                       capture_output=True, text=True)
    assert r.returncode == 7 and "preload run: CMD exited 7" in r.stderr, r
    r = subprocess.run([*py, "warm", str(root / "nope")], capture_output=True, text=True)
    cli = subprocess.run([str(binary("preload")), "warm", str(root / "nope")],
                         capture_output=True, text=True)
    assert (r.returncode, r.stderr) == (cli.returncode, cli.stderr) == (2, cli.stderr)


def test_stubs_and_marker_ship_with_the_package():
    pkg = Path(preload.__file__).parent
    assert (pkg / "py.typed").exists() and (pkg / "_native.pyi").exists()
