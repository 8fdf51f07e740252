# syntax=docker/dockerfile:1
# Assay in containers. Two targets from one build:
#   docker build --target store -t assay-store .   # the report store (SQLite volume, or PostgreSQL by URL)
#   docker build --target scan  -t assay-scan  .   # cloud reviews: assay scan with read-only credentials
# Both run as the unprivileged `node` user with production dependencies only.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile TypeScript with the dev dependencies --------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 falls back to compiling when no prebuilt binary matches the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts \
 && npm rebuild better-sqlite3 esbuild
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

# ---- deps: production dependencies only (no compilers, no dev tools) --------------------------------
FROM build AS deps
RUN npm prune --omit=dev

# ---- runtime base --------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root rules ./rules
# Code is root-owned and read-only to the process; only the data/work folders are writable.
USER node

# ---- store ---------------------------------------------------------------------------------------------
FROM runtime AS store
USER root
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
USER node
VOLUME ["/data"]
EXPOSE 8443
# Secrets come from the environment: ASSAY_ENROLMENT_SECRET, ASSAY_DATABASE_URL (postgres://…).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8443/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli/index.js"]
CMD ["store", "serve", "--host", "0.0.0.0", "--port", "8443", "--data-dir", "/data"]

# ---- scan (cloud review) -----------------------------------------------------------------------------------
FROM runtime AS scan
USER root
RUN mkdir -p /work/reports && chown -R node:node /work
USER node
WORKDIR /work
# Mount an assay.yaml at /work/assay.yaml; credentials via the SDKs' usual environment variables or a
# mounted, read-only profile. Reports are written to /work/reports (mount a volume to keep them).
ENTRYPOINT ["node", "/app/dist/cli/index.js"]
CMD ["scan", "--config", "/work/assay.yaml"]
