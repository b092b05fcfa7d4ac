# predict-worker image: a Rust builder stage, then a distroless runtime that holds only the binary,
# config/ and outputs/ (the model). Build: `docker compose build` or `docker build -t predict-worker .`
# No `# syntax=` line: the builder's built-in Dockerfile frontend is used, so a build needs no registry
# beyond the base images (RUN --mount is part of the built-in frontend since Docker 20.10/BuildKit).
#
# Layer caching ("requirements first, then code", applied to Cargo):
# 1. Cargo.toml and Cargo.lock alone, then every dependency compiled against placeholder sources, in a
#    layer of its own. It is rebuilt only when a manifest changes (BuildKit keys COPY on content).
# 2. Then src/ and benches/, and the crate itself is compiled. Its fingerprints from step 1 are deleted
#    first, so Cargo cannot judge it fresh: Cargo compares mtimes, and COPY keeps the context's mtimes,
#    so a source file coming back with an older mtime would otherwise ship the previous binary.
#    No target/ cache mount: compiled dependencies live in step 1's layer, keyed on content.
# - The Cargo registry (downloaded sources) is a BuildKit cache mount, which only saves downloads.
# - .dockerignore keeps target/, .git, .env and test fixtures out of the context, so editing them
#   never invalidates a layer and no secret is sent to the builder.
#
# Base images (pinned tags; pin digests too when you deploy). Both are build arguments, so a machine
# without a registry can build against local stand-ins (.ci/compose-live does).
# - rust:1.95-slim-bookworm builds against Debian 12's glibc, the same glibc as the runtime below.
# - gcr.io/distroless/cc-debian12:nonroot has glibc, libgcc and CA certificates but no shell or package
#   manager, and runs as uid 65532.

ARG RUST_IMAGE=rust:1.95-slim-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM ${RUST_IMAGE} AS builder
WORKDIR /build
# 1. Manifests, then the dependencies alone (placeholder lib, bin and bench targets).
COPY Cargo.toml Cargo.lock ./
RUN --mount=type=cache,id=predict-worker-cargo-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=predict-worker-cargo-git,target=/usr/local/cargo/git \
    mkdir -p src benches \
    && echo 'fn main() {}' > src/main.rs \
    && : > src/lib.rs \
    && echo 'fn main() {}' > benches/predict.rs \
    && cargo build --release --locked \
    && rm -rf src benches
# 2. The code. --locked fails instead of silently updating Cargo.lock (the same command CI uses).
COPY benches ./benches
COPY src ./src
RUN --mount=type=cache,id=predict-worker-cargo-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=predict-worker-cargo-git,target=/usr/local/cargo/git \
    rm -rf target/release/.fingerprint/predict-worker-* target/release/deps/predict_worker-* \
        target/release/deps/libpredict_worker-* target/release/predict-worker* \
    && cargo build --release --locked \
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
