# vici-mock and vici-conformance in one small image (BuildKit, the default builder since Docker 23).
#
#   docker build -t vici .
#   docker run --rm -p 4010:4010 vici                  # the mock: http://localhost:4010/api/v1
#   docker run --rm vici vici-conformance --help       # the runner
#
# Inside the container the mock listens on 0.0.0.0:4010 (VICI_MOCK_LISTEN). Change the port
# through that variable, not --listen: the HEALTHCHECK asks the address VICI_MOCK_LISTEN names.
# The runner writes into /reports, its working directory: mount a folder there.
# .ci/check-dockerfile checks this file against the workspace (binary names, port, health path).

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
# .dockerignore lets in only the manifests, the workspace's crates and what they embed.
COPY . .
# The registry and target caches survive between builds; the binaries are copied out of the
# cached target directory, which is not part of the stage's filesystem. Stripping the symbols
# takes the two binaries from about 39 MB to about 31 MB (panic backtraces lose function names).
ENV CARGO_PROFILE_RELEASE_STRIP=symbols
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p mock-server -p conformance \
 && mkdir -p /out/bin /out/reports \
 && cp target/release/vici-mock target/release/vici-conformance /out/bin/

# glibc, libgcc and CA certificates, no shell and no package manager; runs as uid 65532.
# The binaries use rustls (no OpenSSL); the runner verifies TLS against the system's roots.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/bin/ /usr/local/bin/
COPY --from=build --chown=65532:65532 /out/reports /reports
WORKDIR /reports
ENV VICI_MOCK_LISTEN=0.0.0.0:4010
EXPOSE 4010
# The mock stops cleanly on SIGINT (Ctrl-C); as PID 1 it would ignore docker stop's SIGTERM.
STOPSIGNAL SIGINT
# No curl in the image: the mock asks itself (GET /_mock/health on VICI_MOCK_LISTEN, 0.0.0.0
# asked on 127.0.0.1) and exits 0 when healthy, 1 otherwise.
HEALTHCHECK --interval=5s --timeout=5s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/vici-mock", "--health-check"]
CMD ["/usr/local/bin/vici-mock"]
