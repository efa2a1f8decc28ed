# tollgate in a container:
#
#   docker run --rm -v "$PWD:/work" ghcr.io/tollgate-dev/tollgate:0.2.0 check -r evidence/
#
# Stage "build" compiles a static musl binary from this source tree with the committed
# Cargo.lock (--locked). The final stage is distroless "static": CA certificates (live
# sources speak HTTPS), tzdata, an /etc/passwd with the nonroot user, and nothing else —
# no shell, no package manager. The process runs as UID:GID 65532:65532 in /work.
#
# Base images are pinned by tag, not by digest: this file was written on a machine with
# no access to a container registry, where no digest could be read or checked. Where one
# can be, pin `FROM image:tag@sha256:...`; Dependabot (.github/dependabot.yml, ecosystem
# docker) then keeps tag and digest current.
#
# The release workflow builds it on one native runner per architecture (linux/amd64,
# linux/arm64); `uname -m` picks the matching musl target. No `# syntax=` line: the
# Dockerfile frontend built into BuildKit (Docker 23 and later) knows RUN --mount, and a
# syntax line would fetch a frontend image, by tag, at every build.

FROM rust:1.95.0-alpine AS build
# musl-dev: the C library headers and start files that aws-lc-sys (rustls' crypto, C
# code) and the final link need. Not version-pinned: Alpine drops superseded package
# versions from its mirrors, so an exact pin breaks the build within weeks; the image
# tag above fixes the Alpine branch and so the package line.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev
WORKDIR /src
# Only what the build reads. benches/ is here because Cargo.toml declares bench targets,
# which cargo checks exist even when it builds only the binary.
COPY Cargo.toml Cargo.lock build.rs ./
COPY benches/ benches/
COPY src/ src/
COPY templates/ templates/
COPY tollgate.template.toml ./
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    target="$(uname -m)-unknown-linux-musl" \
    && cargo build --release --locked --target "$target" \
    && install -D -m 0755 "target/$target/release/tollgate" /out/tollgate \
    && /out/tollgate --version

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="tollgate" \
      org.opencontainers.image.description="Policy-as-code compliance gate for Huawei Cloud and Alibaba Cloud patch and config compliance reports" \
      org.opencontainers.image.source="https://github.com/tollgate-dev/tollgate" \
      org.opencontainers.image.url="https://github.com/tollgate-dev/tollgate" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=build /out/tollgate /usr/local/bin/tollgate
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["tollgate"]
CMD ["--help"]
