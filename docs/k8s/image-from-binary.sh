#!/bin/sh
# Builds a container image around a preload binary already built on this
# host, without pulling a base image: FROM scratch, the binary and the
# shared libraries `ldd` names for it (glibc, libgcc_s, libm, the loader).
# For hosts that reach no container registry (the Dockerfile at the
# repository root needs rust:1-bookworm and debian:bookworm-slim from
# Docker Hub). Needs podman (Debian package `podman`) or buildah.
#
#   cargo build --release -p preload-cli
#   docs/k8s/image-from-binary.sh target/release/preload preload:latest
#   podman run --rm preload:latest --version
#   podman run --rm -v /models:/models:ro preload:latest warm /models/llama
#
# Reading /proc/self/mountinfo, cgroup files and page-cache residency needs
# nothing else from the image. The DaemonSet's loop (docs/k8s/daemonset.yaml)
# needs /bin/sh and sleep: with BUSYBOX set to a static busybox (Debian
# package `busybox-static`: BUSYBOX=/usr/bin/busybox) the image has them.
set -eu

binary=${1:?usage: image-from-binary.sh BINARY [TAG]}
tag=${2:-preload:latest}
engine=${ENGINE:-podman}

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT

mkdir -p "$context/rootfs/usr/local/bin"
# Stripped: debug information is most of a debug build's size.
strip -o "$context/rootfs/usr/local/bin/preload" "$binary" 2>/dev/null \
    || cp "$binary" "$context/rootfs/usr/local/bin/preload"

# Every library the binary loads, at the path the loader looks for it.
ldd "$binary" | awk '/=> \// { print $3 } /^[ \t]*\/[^ ]*ld-linux/ { print $1 }' |
    while read -r lib; do
        mkdir -p "$context/rootfs$(dirname "$lib")"
        cp -L "$lib" "$context/rootfs$lib"
    done
if [ -n "${BUSYBOX:-}" ]; then
    mkdir -p "$context/rootfs/bin"
    cp "$BUSYBOX" "$context/rootfs/bin/busybox"
    for applet in sh sleep; do ln -s busybox "$context/rootfs/bin/$applet"; done
fi
# Temporary files (tune's unit lists) need a /tmp.
mkdir -p "$context/rootfs/tmp"
chmod 1777 "$context/rootfs/tmp"

cat > "$context/Containerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
ENTRYPOINT ["/usr/local/bin/preload"]
CMD ["--help"]
EOF

"$engine" build -t "$tag" -f "$context/Containerfile" "$context"
