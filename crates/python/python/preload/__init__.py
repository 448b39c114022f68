"""Warm model weights into the page cache in parallel, from Python.

The same Rust engine as the ``preload`` command (not a wrapper around it):
large shards are split into byte ranges read by many readers at once, so a
cold start on network storage takes seconds instead of minutes.

>>> import preload
>>> s = preload.warm("/models/llama")                 # doctest: +SKIP
>>> print(s.files_read, f"{s.throughput_mib_s:.0f} MiB/s")  # doctest: +SKIP
7 198 MiB/s

Warm beside the loader (what ``preload run`` does), in the order the
loader reads:

>>> with preload.warming("/models/llama") as w:      # doctest: +SKIP
...     model = load("/models/llama")
>>> w.summary.interrupted                             # doctest: +SKIP
False

The engine runs with the GIL released; Ctrl-C stops a foreground call
within milliseconds and raises ``KeyboardInterrupt``.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from . import _native
from ._native import NothingSelectedError, PreloadError, TooLargeError, TuneError
from ._types import (
    Diagnosis,
    EvictReport,
    Failed,
    FileResidency,
    Level,
    Progress,
    Residency,
    Skipped,
    StatusReport,
    TuneResult,
    WarmSummary,
)

__all__ = [
    "warm",
    "warming",
    "Warming",
    "status",
    "evict",
    "tune",
    "WarmSummary",
    "StatusReport",
    "EvictReport",
    "TuneResult",
    "Residency",
    "Progress",
    "Skipped",
    "Failed",
    "Diagnosis",
    "FileResidency",
    "Level",
    "PreloadError",
    "TooLargeError",
    "NothingSelectedError",
    "TuneError",
    "DEFAULT_PARALLELISM",
]

DEFAULT_PARALLELISM: int = _native.DEFAULT_PARALLELISM
"""Readers when nothing better is known (no ``preload tune`` profile): 16."""

PathLike = Union[str, "os.PathLike[str]"]
Paths = Union[PathLike, Sequence[PathLike]]
Parallelism = Union[int, str]
MaxBytes = Union[int, str, None]


def _paths(paths: Paths) -> List[str]:
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]  # type: ignore[list-item]
    return [os.fsdecode(p) for p in paths]


def _globs(globs: Union[str, Iterable[str], None]) -> List[str]:
    if globs is None:
        return []
    if isinstance(globs, str):
        return [globs]
    return list(globs)


def _selection(
    paths: Paths,
    include: Union[str, Iterable[str], None],
    exclude: Union[str, Iterable[str], None],
) -> Tuple[List[str], List[str], List[str]]:
    """The files ``status`` and ``evict`` work on, as ``_native``'s one
    ``selection`` argument (read by ``Selection`` in crates/python/src/warm.rs)."""
    return (_paths(paths), _globs(include), _globs(exclude))


# The arguments `warm` and `warming` share, passed to `_native.warm` and
# `_native.Warming` as one dict (read in crates/python/src/options.rs).
_OPTIONS = (
    "paths",
    "parallelism",
    "method",
    "order",
    "include",
    "exclude",
    "max_bytes",
    "chunk_size",
    "skip_resident",
    "keep_open",
    "join",
    "allow_empty",
)


def _options(given: Dict[str, Any]) -> Dict[str, Any]:
    """The engine's options from the ``locals()`` of ``warm`` or ``warming``,
    taken before the function defines a name of its own."""
    options = {name: given[name] for name in _OPTIONS}
    options["paths"] = _paths(options["paths"])
    options["include"] = _globs(options["include"])
    options["exclude"] = _globs(options["exclude"])
    return options


def _progress_printer(p: dict) -> None:
    done, total = p["bytes_done"], p["bytes_total"]
    pct = 100.0 * done / total if total else 100.0
    mib_s = done / (1 << 20) / p["elapsed_s"] if p["elapsed_s"] > 0 else 0.0
    print(
        f"\rpreload: {pct:5.1f}% {done / (1 << 20):.0f}/{total / (1 << 20):.0f} MiB "
        f"{p['files_done']}/{p['files_total']} files {mib_s:.0f} MiB/s P={p['parallelism']}",
        end="",
        file=sys.stderr,
        flush=True,
    )


def warm(
    paths: Paths,
    parallelism: Parallelism = "profile",
    method: Optional[str] = None,
    include: Union[str, Iterable[str], None] = None,
    exclude: Union[str, Iterable[str], None] = None,
    max_bytes: MaxBytes = None,
    progress: Union[bool, Callable[[Progress], None]] = False,
    *,
    order: str = "loader",
    chunk_size: Optional[int] = None,
    skip_resident: bool = True,
    keep_open: bool = False,
    join: bool = True,
    allow_empty: bool = False,
) -> WarmSummary:
    """Read every regular file under ``paths`` into the page cache, in parallel.

    ``parallelism``: an int (fixed readers), ``"auto"`` (tuned while reading)
    or ``"profile"`` (the ``-P`` saved by ``preload tune`` for the filesystem,
    else ``DEFAULT_PARALLELISM``). ``method``: ``"read"``, ``"willneed"`` or
    ``"mmap"``; None takes the method ``preload tune`` measured best for the
    filesystem, else ``"read"`` (and ``chunk_size=None`` its chunk size, else
    32 MiB), as ``preload warm`` does. ``include``/``exclude``: globs on the path relative to its
    input (``*`` crosses ``/``). ``max_bytes``: refuse (``TooLargeError``,
    nothing read) above this many bytes, or ``"available"`` to refuse a tree
    larger than the memory left for the page cache. ``progress``: True draws
    a line on stderr; a callable gets a :class:`Progress` every tick.
    ``order``: ``"loader"`` (config and tokenizer, then shards in index
    order), ``"size"`` or ``"path"``. Chunks already resident are skipped
    unless ``skip_resident=False``. ``keep_open=True`` keeps a file a reader
    has to itself open across its chunks (``--keep-open``: faster on
    MooseFS, slower on GlusterFS and ext4). Another warm of the same ``paths``
    already reading on this node (by this user: ``preload warm``, ``preload
    run``, or another rank's ``preload.warm``) is joined: this one starts no
    reader, waits for it, then reads only what is still missing
    (``summary.joined`` says so), unless ``join=False``.

    Files that fail are listed in ``summary.failed``; exceptions are for
    whole-call errors: ``FileNotFoundError`` (a missing input),
    ``PermissionError``, ``TooLargeError``, ``NothingSelectedError`` (no file
    selected; ``allow_empty=True`` accepts it), ``ValueError`` (a bad
    argument), ``KeyboardInterrupt`` (Ctrl-C, the readers stopped).

    >>> s = preload.warm(["/models/llama"], parallelism=8, include="*.safetensors")  # doctest: +SKIP
    >>> s.bytes == s.planned_bytes and not s.failed                                   # doctest: +SKIP
    True
    """
    options = _options(locals())
    callback = None
    if progress is True:
        callback = _progress_printer
    elif callable(progress):
        user = progress
        callback = lambda p: user(Progress(**p))  # noqa: E731
    try:
        raw = _native.warm(options, callback)
    finally:
        if progress is True:
            print(file=sys.stderr)
    return WarmSummary.from_dict(json.loads(raw))


def status(
    paths: Paths,
    include: Union[str, Iterable[str], None] = None,
    exclude: Union[str, Iterable[str], None] = None,
) -> StatusReport:
    """How much of every file under ``paths`` is in the page cache.

    Exact for root and the files' owner; estimated from sampled pages for
    anyone else (``residency.sampled_bytes``), see the README.

    >>> r = preload.status("/models/llama")   # doctest: +SKIP
    >>> r.fraction >= 0.99                    # doctest: +SKIP
    True
    """
    raw = _native.status(_selection(paths, include, exclude))
    return StatusReport.from_dict(json.loads(raw))


def evict(
    paths: Paths,
    include: Union[str, Iterable[str], None] = None,
    exclude: Union[str, Iterable[str], None] = None,
) -> EvictReport:
    """Drop every file under ``paths`` from the page cache (for cold measurements).

    >>> preload.evict("/models/llama").after.resident_bytes   # doctest: +SKIP
    0
    """
    raw = _native.evict(_selection(paths, include, exclude))
    return EvictReport.from_dict(json.loads(raw))


def tune(
    path: PathLike,
    time_budget: float = 30.0,
    *,
    byte_budget: Optional[int] = None,
    max_level: int = 64,
    method: str = "read",
    save: bool = True,
    on_probe: Optional[Callable[[dict], None]] = None,
) -> TuneResult:
    """Measure read throughput at increasing parallelism; recommend ``-P`` at the knee.

    Probes disjoint samples of ``path`` for at most ``time_budget`` seconds
    and ``byte_budget`` bytes (default: 3/4 of the tree, at most 4 GiB).
    With ``save`` a trustworthy result becomes the filesystem's profile, which
    ``warm(parallelism="profile")`` then uses. ``on_probe`` gets each probe
    (a dict, as in ``preload tune --json``'s ``probes[]``) as it finishes,
    those of the curve (``phase`` sweep, descend, bisect) and after them
    those comparing against warm's default level, read methods and chunk
    shapes (``check``, ``method``, ``shape``: ``comparison_probes[]``).

    >>> t = preload.tune("/models/llama", time_budget=20)   # doctest: +SKIP
    >>> [(lv.level, round(lv.median_mib_s)) for lv in t.levels][:3]   # doctest: +SKIP
    [(1, 24), (2, 51), (4, 94)]
    """
    probe_cb = None
    if on_probe is not None:
        cb = on_probe
        probe_cb = lambda s: cb(json.loads(s))  # noqa: E731
    raw, saved = _native.tune(
        os.fsdecode(path), float(time_budget), byte_budget, max_level, method, save, probe_cb
    )
    return TuneResult.from_dict(json.loads(raw), saved)


class Warming:
    """A warm running in the background; made by :func:`warming`.

    ``wait()`` blocks until it ends, ``progress`` tells how far it got,
    ``summary`` is the :class:`WarmSummary` once it ended (None before),
    ``cancel()`` stops it. Leaving the ``with`` block stops a warm still
    running (like ``preload run`` when the loader exits first) and waits
    for the readers to let go.
    """

    def __init__(self, native: "_native.Warming") -> None:
        self._native = native
        self._summary: Optional[WarmSummary] = None

    def wait(self, timeout: Optional[float] = None) -> WarmSummary:
        """Wait until the warm ends; ``TimeoutError`` after ``timeout`` seconds.

        The GIL is released while waiting; Ctrl-C raises ``KeyboardInterrupt``
        here (the warm goes on until the ``with`` block is left).

        >>> with preload.warming("/models/llama") as w:   # doctest: +SKIP
        ...     s = w.wait()
        """
        if self._summary is None:
            raw = self._native.wait(timeout)
            if raw is None:
                raise TimeoutError(f"the warm did not end within {timeout} s")
            self._summary = WarmSummary.from_dict(json.loads(raw))
        return self._summary

    def cancel(self) -> None:
        """Ask the readers to stop (``summary.interrupted`` is then True)."""
        self._native.cancel()

    @property
    def done(self) -> bool:
        """True once the warm ended."""
        return self._native.done()

    @property
    def progress(self) -> Progress:
        """Bytes and files read so far, elapsed time, readers now."""
        return Progress(**self._native.progress())

    @property
    def summary(self) -> Optional[WarmSummary]:
        """The summary once the warm ended, else None (never blocks)."""
        if self._summary is None and self._native.done():
            return self.wait()
        return self._summary

    def __enter__(self) -> "Warming":
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._native.done():
            self.cancel()
        self.wait()


def warming(
    paths: Paths,
    parallelism: Parallelism = "profile",
    method: Optional[str] = None,
    include: Union[str, Iterable[str], None] = None,
    exclude: Union[str, Iterable[str], None] = None,
    max_bytes: MaxBytes = None,
    *,
    order: str = "loader",
    chunk_size: Optional[int] = None,
    skip_resident: bool = True,
    keep_open: bool = False,
    join: bool = True,
    allow_empty: bool = False,
) -> Warming:
    """Warm ``paths`` in the background while the ``with`` body loads the model.

    The files are walked and planned here (a missing path raises
    ``FileNotFoundError`` at once); the readers then work, in loader order
    by default, at the front of what the loader will read next. Arguments
    as for :func:`warm`, but ``chunk_size`` defaults to 8 MiB (the front
    advances in finer waves beside a loader; see ``preload run``).

    >>> from safetensors.numpy import load_file                 # doctest: +SKIP
    >>> with preload.warming("/models/llama") as w:             # doctest: +SKIP
    ...     tensors = {}
    ...     for shard in shards_in_index_order("/models/llama"):
    ...         tensors.update(load_file(shard))
    >>> w.summary.bytes                                          # doctest: +SKIP
    1073741824
    """
    return Warming(_native.Warming(_options(locals())))
