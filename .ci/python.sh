#!/usr/bin/env bash
# The Python package (crates/python): a venv under target/ with packages from
# PyPI, `pip install ./crates/python` (the real build, through maturin), then
# the pytest suite. `setup` stops after the install (benchmarks, xtask use it).
#   bash .ci/python.sh [setup|test] [PYTEST ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-test}"; shift || true

venv=target/pyvenv
# /usr/bin/python3 where it exists: a pyenv interpreter under /root is out of
# reach of the tests that run as nobody.
py="${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.base" 2>/dev/null)" != "$py" ]; then
  rm -rf "$venv"
  "$py" -m venv "$venv"
  echo "$py" > "$venv/.base"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)
"${pip[@]}" install "maturin>=1.9,<2" "pytest>=8" "safetensors>=0.4" "numpy>=1.24"
# preload-simfs for the FUSE tests and preload for comparisons; the package
# itself from the working tree, as a user's `pip install` builds it (maturin,
# PEP 517). Its Rust build lands in target/ so a second run only relinks.
cargo build -q -p preload-simfs -p preload-cli
# A dev build in CI (tests); PRELOAD_PY_PROFILE=release for benchmarks.
PATH="$PWD/$venv/bin:$PATH" CARGO_TARGET_DIR="$PWD/target" MATURIN_PEP517_ARGS="--profile ${PRELOAD_PY_PROFILE:-dev}" \
  "${pip[@]}" install --force-reinstall --no-deps --no-build-isolation ./crates/python
[ "$what" = setup ] && exit 0

# pytest exits 5 when it collected nothing: that fails here too.
"$venv/bin/python" -m pytest crates/python/tests -p no:cacheprovider "$@"
