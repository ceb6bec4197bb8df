# spansift in a container: the package as `npm pack` makes it (package.json's `files`), its
# production dependencies as package-lock.json pins them, run as an unprivileged user.
#   config: /etc/spansift/spansift.yaml (SPANSIFT_CONFIG); mount a directory of your own
#           there to change it without a rebuild (docker-compose.yml mounts ./config)
#   data:   /var/lib/spansift (SPANSIFT_DATA_DIR), owned by uid 1000
FROM node:20-bookworm-slim AS build
WORKDIR /src
# Dependencies first: a change to the sources alone reuses this layer. No install script
# of a dependency is needed (package.json, allowScripts).
COPY package.json package-lock.json ./
COPY sdk/package.json sdk/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# `npm pack` runs `prepare` (the build) and packs what `files` lists; /app is that package
# with its production dependencies.
RUN npm pack --pack-destination /tmp \
 && mkdir /app \
 && tar -xzf /tmp/spansift-*.tgz -C /app --strip-components=1 \
 && cp package-lock.json /app/
WORKDIR /app
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && mkdir /engine && mv /app/node_modules/@chdb /engine/

FROM node:20-bookworm-slim
COPY --from=build /app /app
# The embedded engine's library belongs to the user spansift runs as: the kernel gives back
# the pages of a mapped file (idle_release, README "Storage") only to a process that owns it.
COPY --from=build --chown=1000:1000 /engine/@chdb /app/node_modules/@chdb
COPY --from=build /app/config/spansift.yaml /app/config/server.yaml /etc/spansift/
RUN mkdir -p /var/lib/spansift && chown 1000:1000 /var/lib/spansift
# glibc's malloc serves large buffers (request and insert bodies) from mmap and hands them
# back when freed, as `npm start` has it (README "Command line").
ENV NODE_ENV=production \
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072 \
    SPANSIFT_CONFIG=/etc/spansift/spansift.yaml \
    SPANSIFT_OTLP_HTTP_ENDPOINT=0.0.0.0:4318 \
    SPANSIFT_OTLP_GRPC_ENDPOINT=0.0.0.0:4317 \
    SPANSIFT_UI_ENDPOINT=0.0.0.0:8080 \
    SPANSIFT_DATA_DIR=/var/lib/spansift
# The `node` user of the base image, by number so that a runtime can check it is not root.
USER 1000:1000
WORKDIR /var/lib/spansift
EXPOSE 4317 4318 8080
# Alive and answering on the UI endpoint (its port from SPANSIFT_UI_ENDPOINT).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const port = (process.env.SPANSIFT_UI_ENDPOINT || '').split(':').pop() || '8080'; fetch('http://127.0.0.1:' + port + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["start"]
