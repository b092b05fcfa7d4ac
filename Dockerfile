# syntax=docker/dockerfile:1.7
# predict-worker image: a Rust builder stage, then a distroless runtime that holds only the binary,
# config/ and outputs/ (the model). Build: `docker compose build` or `docker build -t predict-worker .`
#
# Layer caching (the lesson of "requirements first, then code", applied to Cargo):
# - The builder uses BuildKit cache mounts for the Cargo registry, the git checkouts and target/.
#   Compiled dependencies therefore live in the build cache, not in an image layer: a code-only change
#   re-runs the one build step, Cargo finds every dependency already compiled in the mounted target/,
#   and only this crate is recompiled. No dependency layer is rebuilt because there is none to rebuild.
#   Only a Cargo.lock/Cargo.toml change recompiles (changed) dependencies.
# - Cache mounts need BuildKit (the default builder since Docker 23) and stay on the machine that built.
#   A CI runner without a persistent builder cache compiles everything once per run either way.
# - .dockerignore keeps target/, .git, .env and test fixtures out of the context, so editing them
#   never invalidates a layer and no secret is sent to the builder.
#
# Base images (pinned tags; pin digests too when you deploy):
# - rust:1.95-slim-bookworm builds against Debian 12's glibc, the same glibc as the runtime below.
# - gcr.io/distroless/cc-debian12:nonroot has glibc and libgcc but no shell or package manager,
#   runs as uid 65532. Alpine (musl) was not chosen: the binary would need a musl
#   target, and musl's allocator is markedly slower for this multi-threaded workload.

ARG RUST_IMAGE=rust:1.95-slim-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM ${RUST_IMAGE} AS builder
WORKDIR /build
# Manifests first: they change less often than the code.
COPY Cargo.toml Cargo.lock ./
COPY benches ./benches
COPY src ./src
# The same command CI uses (.ci/run). --locked fails instead of silently updating Cargo.lock.
# The binary is copied out of the cache mount, which is not part of any layer.
RUN --mount=type=cache,id=predict-worker-cargo-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=predict-worker-cargo-git,target=/usr/local/cargo/git \
    --mount=type=cache,id=predict-worker-target,target=/build/target \
    cargo build --release --locked \
    && install -D -m 0755 target/release/predict-worker /out/predict-worker

FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
# Only what the worker needs at run time: the binary, its config and the default model.
# Files stay root-owned and read-only to the worker user.
COPY --from=builder /out/predict-worker /usr/local/bin/predict-worker
COPY config/ ./config/
COPY outputs/ ./outputs/
# distroless "nonroot" is uid/gid 65532; numeric so Kubernetes runAsNonRoot can verify it.
USER 65532:65532
# The worker keeps /tmp/predict-worker.ready fresh while its model is loaded and its consumer runs,
# and removes it on shutdown; `healthcheck` checks that file (exec form: there is no shell here).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["predict-worker", "healthcheck"]
ENTRYPOINT ["predict-worker"]
CMD ["worker"]
