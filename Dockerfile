# Production image of a flowkit connector: the connector bundled into one file (flowkit bundle)
# and run by plain node, as a non-root user, with the labels Flow's runtime reads.
#
#   docker build -t ghcr.io/acme/source-hello:v1 \
#     --build-arg CONNECTOR=examples/source-hello/main.ts --build-arg PROTOCOL=capture .
#
# CONNECTOR is the connector's main file in the build context; PROTOCOL is capture, materialize
# or derive; CODEC is json (default) or proto, the codec Flow will speak to it. A connector that
# needs a native addon keeps it external (EXTERNAL=better-sqlite3) and the image installs it, at
# the version the lock file pins.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
ARG CONNECTOR
ARG EXTERNAL=""
RUN test -n "$CONNECTOR" || (echo "--build-arg CONNECTOR=<main file> is required" >&2; exit 1)
RUN npm run build \
 && node bin/flowkit.js bundle "$CONNECTOR" -o /out/connector.mjs $(for p in $EXTERNAL; do printf -- '--external %s ' "$p"; done) \
 && if [ -n "$EXTERNAL" ]; then cd /out && npm init -y >/dev/null \
      && npm install --omit=dev $(for p in $EXTERNAL; do printf '%s@%s ' "$p" "$(node -p "require('/src/node_modules/$p/package.json').version")"; done); fi

FROM node:20-bookworm-slim
ARG PROTOCOL=capture
ARG CODEC=json
WORKDIR /connector
COPY --from=build /out/ ./
LABEL FLOW_RUNTIME_PROTOCOL=${PROTOCOL}
LABEL FLOW_RUNTIME_CODEC=${CODEC}
ENV NODE_ENV=production
USER node
ENTRYPOINT ["node", "--enable-source-maps", "/connector/connector.mjs"]
