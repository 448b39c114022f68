"""Typed stubs of the Rust extension ``preload._native`` (crates/python/src).

Private: use the functions and classes of :mod:`preload`. Results are the
JSON of the schema types; :mod:`preload._types` turns them into dataclasses.
"""

from typing import Any, Callable, Dict, List, Optional, Tuple, Union

DEFAULT_PARALLELISM: int

class PreloadError(Exception): ...
class TooLargeError(PreloadError): ...
class NothingSelectedError(PreloadError): ...
class TuneError(PreloadError): ...

def warm(
    paths: List[str],
    parallelism: Union[int, str],
    method: str,
    order: str,
    include: List[str],
    exclude: List[str],
    max_bytes: Union[int, str, None],
    chunk_size: Optional[int],
    skip_resident: bool,
    join: bool,
    allow_empty: bool,
    progress: Optional[Callable[[Dict[str, Any]], None]] = None,
) -> str: ...
def status(paths: List[str], include: List[str], exclude: List[str]) -> str: ...
def evict(paths: List[str], include: List[str], exclude: List[str]) -> str: ...
def tune(
    path: str,
    time_budget: float,
    byte_budget: Optional[int],
    max_level: int,
    method: str,
    save: bool,
    on_probe: Optional[Callable[[str], None]] = None,
) -> Tuple[str, Optional[str]]: ...

class Warming:
    def __init__(
        self,
        paths: List[str],
        parallelism: Union[int, str],
        method: str,
        order: str,
        include: List[str],
        exclude: List[str],
        max_bytes: Union[int, str, None],
        chunk_size: Optional[int],
        skip_resident: bool,
        join: bool,
        allow_empty: bool,
    ) -> None: ...
    def wait(self, timeout: Optional[float] = None) -> Optional[str]: ...
    def cancel(self) -> None: ...
    def done(self) -> bool: ...
    def progress(self) -> Dict[str, Any]: ...
