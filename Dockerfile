# The preload binary in a slim image (for docs/k8s): build, then copy only
# the binary. Not built in this project's CI (no container engine there);
# `docker build -t preload .` from the repository root. Without a registry
# (these base images come from Docker Hub): docs/k8s/image-from-binary.sh.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p preload-cli \
 && install -m 755 target/release/preload /usr/local/bin/preload

FROM debian:bookworm-slim
COPY --from=build /usr/local/bin/preload /usr/local/bin/preload
# Runs as root by default so O_NOATIME and exact residency work on files
# the pod does not own; as a non-root user it still warms, and status
# estimates residency from sampled pages (see the README).
ENTRYPOINT ["preload"]
CMD ["--help"]
