# Production image: Node 24, runtime dependencies only, non-root, data on a volume.
FROM node:24-slim
ENV NODE_ENV=production \
    GATEWAY_DATA_DIR=/data \
    GATEWAY_MQTT_HOST=0.0.0.0 \
    GATEWAY_HTTP_HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY src ./src
COPY device-sim ./device-sim
COPY gateway-config ./gateway-config
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 1883 8080
STOPSIGNAL SIGTERM
CMD ["node", "src/main.ts", "start"]
