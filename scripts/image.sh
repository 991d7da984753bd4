#!/usr/bin/env bash
# The container image's build and start steps, as one script the Dockerfile calls, so they can be
# run and tested without a container daemon (test/e2e/image-script.test.ts runs them in a scratch
# copy of the repository, as a non-root user).
#
#   scripts/image.sh build   # build stage: all dependencies (native modules compiled), dist/
#   scripts/image.sh deps    # deps stage: production dependencies only (npm ci --omit=dev)
#   scripts/image.sh start   # runtime: exec node on the compiled entry (becomes PID 1)
#
# Extra npm flags (e.g. --prefer-offline) come from NPM_CI_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."

ci() { npm ci --no-audit --no-fund ${NPM_CI_FLAGS:-} "$@"; }

case "${1:-}" in
  build)
    ci # its `prepare` builds dist/ (scripts/build.mjs)
    node scripts/build.mjs --if-stale
    ;;
  deps)
    # A fresh production install (not a prune of the build stage's tree), so the runtime stage
    # gets exactly what the lockfile says production needs; argon2 and better-sqlite3 are built
    # (or their prebuilt binaries fetched) here, where build tools exist.
    rm -rf node_modules
    ci --omit=dev
    ;;
  start)
    # exec: node itself is PID 1 and receives SIGTERM directly; api/main.ts handles SIGTERM
    # (drain) and SIGINT, and Heimdall spawns no child processes, so no init (tini) is needed
    # to forward signals or reap zombies. The flags are package.json's `start` flags
    # (test/e2e/image-script.test.ts checks they match). The inlining budgets are V8's defaults
    # (460 / 920 bytes of bytecode) doubled: the request path is many small layers (node:http,
    # undici, the engine), and inlining more of them into each optimised function measured ~6 %
    # more requests per second on one core for small bodies, none lost on agent-sized ones (README,
    # Benchmark). Larger budgets gained more on small bodies but cost agent-sized ones ~5 %.
    # They cannot go through NODE_OPTIONS, which takes only a few V8 flags.
    exec node --enable-source-maps --max-semi-space-size=64 --max-inlined-bytecode-size=920 --max-inlined-bytecode-size-cumulative=1840 dist/api/main.js
    ;;
  *)
    echo "usage: scripts/image.sh build|deps|start" >&2
    exit 2
    ;;
esac
