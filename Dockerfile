# spansift for production: a ClickHouse server does the storage (see docker-compose.yml).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY collector collector
COPY config config
COPY processors processors
COPY proto proto
COPY ui-lite ui-lite
RUN npm install --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
ENV SPANSIFT_CONFIG=/app/config/spansift.yaml \
    SPANSIFT_OTLP_HTTP_ENDPOINT=0.0.0.0:4318 \
    SPANSIFT_OTLP_GRPC_ENDPOINT=0.0.0.0:4317 \
    SPANSIFT_UI_ENDPOINT=0.0.0.0:8080 \
    SPANSIFT_DATA_DIR=/var/lib/spansift
EXPOSE 4317 4318 8080
ENTRYPOINT ["node", "--max-semi-space-size=64", "dist/cli/main.js"]
CMD ["start"]
