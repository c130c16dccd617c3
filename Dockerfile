# Production image: Node 24, runtime dependencies only, non-root, data on a volume.
# NODE_ENV=production: the embedded defaults seed no demo devices or tokens, and a config asking for
# demoSeed is refused. Give the image an admin token: -e GATEWAY_ADMIN_TOKEN=$(openssl rand -hex 24).

# Build stage: the TypeScript sources compiled to JavaScript (npm run build). Run compiled, the gateway and
# its worker threads skip type stripping: about 30 MB less RSS at start (docs/benchmarks.md, "Fleet").
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
RUN npm run build

FROM node:24-slim
# V8's old space follows the container's memory limit (half of it), its young generation stays within
# two halves of 32 MB (docs/configuration.md, "Memory"), and its garbage collector's helper threads follow
# the cores: one fewer than there are ("Threads").
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-old-space-size-percentage=50 --max-semi-space-size=32 --v8-pool-size=0" \
    GATEWAY_DATA_DIR=/data \
    GATEWAY_MQTT_HOST=0.0.0.0 \
    GATEWAY_HTTP_HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The sources too: the device simulator runs from them.
COPY src ./src
COPY device-sim ./device-sim
COPY gateway-config ./gateway-config
COPY ui ./ui
# The data dir is the gateway user's alone: the gateway refuses to start on one others can read.
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
USER node
VOLUME ["/data"]
EXPOSE 1883 8080
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js", "start"]
