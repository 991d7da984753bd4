# syntax=docker/dockerfile:1
# Heimdall's production image: compiled JavaScript (dist/) on Node 20, Debian slim, non-root.
#
#   docker build -t heimdall:0.1.0 .
#   docker run --rm -p 8080:8080 -v heimdall-data:/data heimdall:0.1.0
#
# The build and start steps live in scripts/image.sh, which test/e2e/image-script.test.ts runs
# in a scratch copy of the repository (no container daemon needed to prove them).

ARG NODE_IMAGE=node:20-bookworm-slim

# Build tools for the native modules (argon2, better-sqlite3) when no prebuilt binary fits.
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# Build stage: every dependency (TypeScript and Vite included), then `npm run build` to dist/:
# the compiled server and the operator dashboard (clients/dashboard → dist/dashboard, served at /).
FROM toolchain AS build
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY tsconfig.json tsconfig.build.json tsconfig.sdk.json ./
COPY api ./api
COPY gateway ./gateway
COPY schema ./schema
COPY db ./db
COPY clients ./clients
RUN scripts/image.sh build

# Production dependencies only, installed fresh from the lockfile on the same base image as the
# runtime (same glibc and Node ABI), so the native modules built here load there, and the
# runtime stage carries no compiler.
FROM toolchain AS deps
COPY package.json package-lock.json ./
# build.mjs: npm ci's `prepare` runs it (and, without TypeScript, it does nothing).
COPY scripts/image.sh scripts/build.mjs ./scripts/
RUN scripts/image.sh deps

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="heimdall" \
      org.opencontainers.image.description="AI gateway with a GraphQL-first control plane" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="UNLICENSED" \
      org.opencontainers.image.base.name="docker.io/library/node:20-bookworm-slim"
ENV NODE_ENV=production \
    PORT=8080 \
    HEIMDALL_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# dist/ includes dashboard/ (the built UI with its .gz twins); the runtime needs no Vite.
COPY --from=build /app/dist ./dist
COPY package.json config.json ./
COPY scripts/image.sh ./scripts/image.sh
# A numeric user (Kubernetes' runAsNonRoot can verify it without /etc/passwd); the code is
# root-owned and read-only to it, only /data is its own.
RUN mkdir -p /data && chown 10001:10001 /data && chmod 0700 /data
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080
# Liveness, as the chart's livenessProbe (/health is readiness: it turns 503 while draining).
# No curl in slim images: Node's own fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM starts Heimdall's drain (HEIMDALL_SHUTDOWN_DELAY_SECONDS + _GRACE_SECONDS); node is
# PID 1 (exec in scripts/image.sh) and handles it itself, so no tini. Give `docker stop -t` (or
# terminationGracePeriodSeconds) at least delay + grace.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/scripts/image.sh", "start"]
