# Xenplane's images, one target per process, all from the repository root:
#   docker build --target api        -t xenplane-api .        (also serves the web console)
#   docker build --target scheduler  -t xenplane-scheduler .
#   docker build --target host-agent -t xenplane-host-agent . (simulated hosts; a real Xen host
#                                    runs the Debian package instead: docs/OPERATIONS.md)
# docker-compose.yml builds these targets. The base image is pinned by version and by digest (the
# manifest list of node:20.20.2-bookworm-slim, all architectures); bump both together.
# tests: libs/testing/src/deploy/dockerfile.spec.ts reads this file.

# --- build: every dependency (swc, prisma generate, buf, vite), then scripts/build.mjs -------
FROM node:20.20.2-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency's install script runs, as on the development machines (npm 11
# runs only approved ones, and none is: package.json allowScripts); swc, buf and Vite's bundler
# come as platform packages, Prisma 7's client needs no engine
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN node scripts/build.mjs

# --- production dependencies only (no swc, prisma CLI, vite, jest...) ------------------------
FROM node:20.20.2-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS prod-deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- what every process runs: dist/, production node_modules, the migrations ----------------
FROM node:20.20.2-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS runtime
ENV NODE_ENV=production
WORKDIR /app
# One unprivileged user owns what the processes write: the CA and the certificates (/pki), the
# image store (/images) and an agent's state. A named volume mounted on these starts with the
# image's owner and mode, so the user can write it; the code stays root's, read-only to it.
RUN groupadd --system --gid 10001 xenplane \
  && useradd --system --uid 10001 --gid xenplane --home-dir /nonexistent --shell /usr/sbin/nologin xenplane \
  && mkdir -p /pki /images /var/lib/xenplane-agent \
  && chown xenplane:xenplane /pki /images /var/lib/xenplane-agent \
  && chmod 0700 /pki /var/lib/xenplane-agent
COPY --from=prod-deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/prisma/migrations ./prisma/migrations
COPY package.json ./
COPY scripts/healthcheck.mjs scripts/compose-sim-hosts.mjs ./scripts/
ENV XENPLANE_PKI_DIR=/pki \
    IMAGE_STORE_DIR=/images \
    AGENT_STATE_DIR=/var/lib/xenplane-agent

# --- the API (and the web console at /) ------------------------------------------------------
FROM runtime AS api
ENV API_HOST=0.0.0.0 API_PORT=8080
EXPOSE 8080
USER xenplane:xenplane
VOLUME ["/pki", "/images"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "scripts/healthcheck.mjs", "http://127.0.0.1:8080/readyz"]
CMD ["node", "--enable-source-maps", "dist/apps/api/src/main.js"]

# --- the scheduler (SCHEDULER_ROLES picks operations, monitor, webhooks) ---------------------
FROM runtime AS scheduler
ENV LIVENESS_FILE=/tmp/xenplane-alive
USER xenplane:xenplane
VOLUME ["/pki", "/images"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "scripts/healthcheck.mjs"]
CMD ["node", "--enable-source-maps", "dist/apps/scheduler/src/main.js"]

# --- a host agent: simulated hosts only in a container (a Xen host: the Debian package) ------
# It gets no CA: it enrolls with a one-time token (AGENT_ENROLLMENT_TOKEN[S] and
# AGENT_CONTROL_PLANE_URL), makes its own key, and keeps its issued certificate in its state.
FROM runtime AS host-agent
ENV LIVENESS_FILE=/tmp/xenplane-alive
USER xenplane:xenplane
VOLUME ["/var/lib/xenplane-agent"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "scripts/healthcheck.mjs"]
# The agent's node flags live on this line only (bench/agent-memory.ts, the tests, the xen lab and
# the Debian package's systemd unit, scripts/package-agent.mjs, read them from here):
#  --max-semi-space-size=1  a small young generation: the agent's garbage is small;
#  --lite-mode              interpreter only (no JIT, no WebAssembly), lazily allocated feedback,
#                           bytecode flushed when unused: fewer V8 and node-binary pages for
#                           ~2x CPU per RPC (a few ms per heartbeat; BENCHMARKS.md, agent memory);
#  --no-expose-wasm         what --lite-mode implies anyway, said here so V8 does not warn about it;
#  --expose-gc              gc() for the agent's own major GC every 1,000 calls (server/gc-pacer.ts):
#                           RSS 56-58 MB under heartbeats instead of 55-65 (BENCHMARKS.md).
# No --enable-source-maps: it keeps every module's source map in memory (1-3 MB); stack traces
# name dist/ lines, which swc keeps close to the source.
CMD ["node", "--max-semi-space-size=1", "--lite-mode", "--no-expose-wasm", "--expose-gc", "dist/apps/host-agent/src/main.js"]
