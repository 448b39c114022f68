#!/usr/bin/env bash
# Real distributed filesystems on loopback for the realfs integration tests.
#   .ci/realfs.sh up     install the packages, bring up moosefs, glusterfs, sshfs
#                        and sshfs-cache, write target/realfs/env.sh (export lines)
#   .ci/realfs.sh down   unmount and stop all of them
# Any failure to start is fatal (set -e): CI must not silently skip these tests.
set -euo pipefail
cd "$(dirname "$0")/.."

env_file=target/realfs/env.sh

case "${1:-}" in
  up)
    cargo xtask realfs install
    for fs in moosefs glusterfs sshfs sshfs-cache; do
      echo "realfs: up $fs" >&2
      cargo xtask realfs up "$fs"
    done
    mkdir -p "$(dirname "$env_file")"
    cargo xtask realfs env >"$env_file.tmp"
    for var in PRELOAD_REALFS_MOOSEFS PRELOAD_REALFS_GLUSTERFS PRELOAD_REALFS_SSHFS PRELOAD_REALFS_SSHFS_CACHE; do
      grep -q "^export $var=" "$env_file.tmp" || { echo "realfs: $var missing from \`cargo xtask realfs env\`" >&2; exit 1; }
    done
    mv "$env_file.tmp" "$env_file"
    echo "realfs: source $env_file" >&2
    ;;
  down)
    rm -f "$env_file"
    cargo xtask realfs down all
    ;;
  *)
    echo "usage: $0 up|down" >&2
    exit 2
    ;;
esac
