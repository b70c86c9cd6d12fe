# The sft server image. Three stages:
#   build   - all dependencies, compiles TypeScript into dist/
#   deps    - production dependencies only, with the native modules (bcrypt, better-sqlite3) built
#   runtime - Node 20 slim, no compiler, no dev dependencies, runs as the unprivileged `node` user
# Build: docker build -t sft .     Run: see docs/deployment.md (or `docker compose up`).
# No `# syntax=` line: it would make every BuildKit build fetch a frontend image from Docker Hub,
# and nothing here needs more than the built-in Dockerfile frontend.
# Node 20 on purpose (package.json `engines`): file-type, reached through @nestjs/common, is pinned
# by `overrides` to its last line that supports Node 20, so `npm ci` prints no EBADENGINE warning.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would run `npm run build` before the sources are copied, and tsc
# needs no native module. The real build follows once the sources are in.
RUN npm ci --ignore-scripts --no-audit --no-fund
# The sources (.dockerignore keeps out node_modules, dist, tests, secrets and generated certificates).
COPY . .
RUN npm run build

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
# Compilers for node-gyp, used when no prebuilt binary fits this platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts skips our own `prepare` (it needs typescript, a dev dependency); the native
# modules' install scripts are then run explicitly by `npm rebuild`. (No `npm cache clean`: only
# node_modules leaves this stage.)
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild bcrypt better-sqlite3

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    SFT_DATA_DIR=/data
WORKDIR /app
# Application files stay owned by root: the server cannot modify its own code.
COPY package.json ./
COPY bin ./bin
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The data dir (SQLite database, generated secrets, local CA) is the only writable place.
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
USER node

EXPOSE 8443 8444

# GET /health over HTTPS with certificate verification on; /health answers 503 while the database
# does not answer. The CA is the first set of SFT_HEALTHCHECK_CA and SFT_TLS_CA, else the local CA
# in $SFT_DATA_DIR/tls/ (docker-compose.yml's init service, or the server itself, puts it there);
# with none of them, the system roots are used. SFT_HEALTHCHECK_NAME is the name to verify
# (default localhost).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const fs=require('fs'),e=process.env;const ca=[e.SFT_HEALTHCHECK_CA,e.SFT_TLS_CA,(e.SFT_DATA_DIR||'/data')+'/tls/ca.pem'].find(f=>f&&fs.existsSync(f));require('https').get({host:'127.0.0.1',port:8443,servername:e.SFT_HEALTHCHECK_NAME||'localhost',path:'/health',ca:ca&&fs.readFileSync(ca),timeout:4000},r=>process.exit(r.statusCode===200?0:1)).on('timeout',()=>process.exit(1)).on('error',()=>process.exit(1))"]

CMD ["node", "bin/sft.js", "server", "--host", "0.0.0.0", "--port", "8443"]
