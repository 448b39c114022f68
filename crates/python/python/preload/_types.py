"""Result types: the fields of preload's JSON output, as frozen dataclasses.

Every class is built from the JSON the Rust engine produces
(``crates/schema``), so the field names and meanings are those of
``preload warm --json`` / ``status --json`` / ``tune --json``; unknown keys
of a newer engine are ignored, and the complete JSON stays in ``raw``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Type, TypeVar

T = TypeVar("T")


def _pick(cls: Type[T], d: Dict[str, Any], **nested: Any) -> T:
    """``cls`` from the keys of ``d`` it has (plus ``nested`` overrides)."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kwargs = {k: v for k, v in d.items() if k in names}
    kwargs.update(nested)
    return cls(**kwargs)


def _pick_list(cls: Type[T], d: Dict[str, Any], key: str) -> List[T]:
    """``cls`` from each object of the list ``d[key]`` (none when it is absent):
    the one way every report reads its ``skipped``, ``failed`` and other lists."""
    return [_pick(cls, x) for x in d.get(key, [])]


@dataclass(frozen=True)
class Residency:
    """How much of a set of files is in the page cache.

    >>> r = preload.status("/models/x")  # doctest: +SKIP
    >>> f"{r.fraction:.0%} resident"      # doctest: +SKIP
    '100% resident'
    """

    resident_bytes: int = 0
    """Bytes measured resident (exactly, or estimated from samples)."""
    total_bytes: int = 0
    """Bytes of the files."""
    sampled_bytes: int = 0
    """Bytes whose residency is an estimate (a non-owner's view, see the README)."""
    unknown_bytes: int = 0
    """Bytes whose residency could not be measured (counted as not resident)."""

    @property
    def fraction(self) -> float:
        """Resident share in 0..1 (1 for no bytes); unknown bytes count as not resident."""
        return 1.0 if self.total_bytes == 0 else self.resident_bytes / self.total_bytes

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Residency":
        return _pick(cls, d)


@dataclass(frozen=True)
class Skipped:
    """A path that was not read, and why (FIFO, device, symlink loop, ...)."""

    path: str
    reason: str
    path_bytes: Optional[str] = None
    """The exact name in base64, only when it is not valid UTF-8."""


@dataclass(frozen=True)
class Failed:
    """A file that could not be read (the rest were read), with the error."""

    path: str
    error: str
    path_bytes: Optional[str] = None
    """The exact name in base64, only when it is not valid UTF-8."""


@dataclass(frozen=True)
class Diagnosis:
    """Why bytes that were read are not resident at the end, with evidence."""

    kind: str
    """``not-kept``, ``memory-pressure``, ``cache-dropped``, ``evicted-by-other``, ``changed-while-read``."""
    bytes: int
    files: int
    evidence: str


@dataclass(frozen=True)
class WarmSummary:
    """What a warm did: the fields of ``preload warm --json``.

    Partial failures are data here, never exceptions: look at ``failed``.

    >>> s = preload.warm("/models/llama")           # doctest: +SKIP
    >>> s.files_read, round(s.throughput_mib_s)    # doctest: +SKIP
    (7, 198)
    >>> s.residency.fraction, s.failed              # doctest: +SKIP
    (1.0, [])
    """

    method: str
    """Read method: ``read``, ``willneed`` or ``mmap``."""
    parallelism_source: str
    """Where the parallelism came from: ``fixed``, ``auto``, ``profile``, ``default``."""
    parallelism: int
    """Readers at the end (``auto`` may change it while reading)."""
    files: int
    """Files planned."""
    files_read: int
    """Files read completely without error."""
    bytes: int
    """Bytes read (including those found resident and skipped)."""
    planned_bytes: int
    """Bytes planned."""
    elapsed_s: float
    """Seconds from the first read to the last."""
    throughput_mib_s: float
    """``bytes`` / ``elapsed_s`` in MiB/s."""
    residency: Residency
    """Residency after the warm (all unknown when interrupted)."""
    pages_retained: bool
    """False only when the mount provably keeps no pages (the CLI's exit 3)."""
    interrupted: bool
    """The warm was cancelled (Ctrl-C, or a ``warming`` block left early)."""
    skipped: List[Skipped] = field(default_factory=list)
    failed: List[Failed] = field(default_factory=list)
    diagnoses: List[Diagnosis] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    memory: Dict[str, Any] = field(default_factory=dict)
    """Planned bytes against available memory (``fits``, cgroup limits)."""
    filesystems: List[Dict[str, Any]] = field(default_factory=list)
    resident_skipped_bytes: int = 0
    """Bytes found resident and not read again (part of ``bytes``)."""
    order: str = "loader"
    """Read order: ``loader``, ``size`` or ``path``."""
    pacing: Dict[str, Any] = field(default_factory=dict)
    """The rate cap and back-offs (``max_rate_bytes_s``, ``backoffs``, ...)."""
    joined: Optional[Dict[str, Any]] = None
    """Set when this warm joined another warm of the same paths on this node
    (``leader_pid``, ``waited_s``): it waited, then read only what was missing."""
    chunk_size: int = 0
    """Work unit of the run, bytes: files larger than this were split."""
    schedule: str = ""
    """Which chunk a free reader took: ``front`` (the front of the plan) or
    ``spread`` (a file no reader was on first)."""
    read_latency: Optional[Dict[str, Any]] = None
    """Latency quantiles of the read calls (``p50_ms``, ``p90_ms``, ``p99_ms``, ...);
    None when nothing was read."""
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The complete JSON object."""

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "WarmSummary":
        return _pick(
            cls,
            d,
            residency=Residency.from_dict(d.get("residency", {})),
            skipped=_pick_list(Skipped, d, "skipped"),
            failed=_pick_list(Failed, d, "failed"),
            diagnoses=_pick_list(Diagnosis, d, "diagnoses"),
            raw=d,
        )


@dataclass(frozen=True)
class FileResidency:
    """One file of a ``status`` report."""

    path: str
    residency: Residency
    path_bytes: Optional[str] = None


@dataclass(frozen=True)
class StatusReport:
    """Residency of every file: the fields of ``preload status --json``."""

    total: Residency
    files: List[FileResidency] = field(default_factory=list)
    skipped: List[Skipped] = field(default_factory=list)
    failed: List[Failed] = field(default_factory=list)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def fraction(self) -> float:
        """Resident share of all the bytes, in 0..1."""
        return self.total.fraction

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "StatusReport":
        return cls(
            total=Residency.from_dict(d["total"]),
            files=[
                _pick(FileResidency, f, residency=Residency.from_dict(f["residency"]))
                for f in d.get("files", [])
            ],
            skipped=_pick_list(Skipped, d, "skipped"),
            failed=_pick_list(Failed, d, "failed"),
            raw=d,
        )


@dataclass(frozen=True)
class EvictReport:
    """Residency before and after an eviction: ``preload evict --json``."""

    before: Residency
    after: Residency
    files: int
    failed: List[Failed] = field(default_factory=list)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "EvictReport":
        return cls(
            before=Residency.from_dict(d["before"]),
            after=Residency.from_dict(d["after"]),
            files=len(d.get("files", [])),
            failed=_pick_list(Failed, d, "failed"),
            raw=d,
        )


@dataclass(frozen=True)
class Level:
    """One parallelism level of a tune: throughput over its probes."""

    level: int
    probes: int
    median_mib_s: float
    min_mib_s: float
    max_mib_s: float
    cv: float


@dataclass(frozen=True)
class TuneResult:
    """What ``preload tune`` measured: the knee, its confidence, every level.

    >>> t = preload.tune("/models/llama", time_budget=20)   # doctest: +SKIP
    >>> t.knee, round(t.confidence, 2)                       # doctest: +SKIP
    (8, 0.93)
    """

    knee: int
    """Recommended parallelism: the smallest level within tolerance of the best."""
    confidence: float
    """Share of bootstrap resamples that agree on the knee, lowered by caveats."""
    saturated: bool
    """False when the curve still rose at the largest level ("at least" ``knee``)."""
    best_mib_s: float
    recommended_mib_s: float
    levels: List[Level]
    caveats: List[str]
    interrupted: bool
    saved_profile: Optional[str] = None
    """Where the result was saved as the filesystem's profile (None: not saved)."""
    too_small: bool = False
    """The tree was too small to measure: ``knee`` is then warm's default, not a measured knee."""
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The complete result file (``preload tune --json``)."""

    @classmethod
    def from_dict(cls, d: Dict[str, Any], saved: Optional[str] = None) -> "TuneResult":
        rec = d["recommendation"]
        return cls(
            knee=rec["parallelism"],
            confidence=rec["confidence"],
            saturated=rec["saturated"],
            best_mib_s=rec["best_mib_s"],
            recommended_mib_s=rec["recommended_mib_s"],
            levels=_pick_list(Level, d, "levels"),
            caveats=list(rec.get("caveats", [])),
            interrupted=d.get("interrupted", False),
            saved_profile=saved,
            too_small=rec.get("too_small", False),
            raw=d,
        )


@dataclass(frozen=True)
class Progress:
    """A background warm's progress so far (``Warming.progress``)."""

    bytes_done: int
    bytes_total: int
    files_done: int
    files_total: int
    elapsed_s: float
    parallelism: int

    @property
    def fraction(self) -> float:
        """Share of the planned bytes read, in 0..1."""
        return 1.0 if self.bytes_total == 0 else self.bytes_done / self.bytes_total
