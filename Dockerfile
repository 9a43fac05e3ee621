# Production image of a flowkit connector: the connector bundled into one file (flowkit bundle)
# and run by plain node, as a non-root user, with the labels Flow's runtime reads.
#
#   docker build -t ghcr.io/acme/source-hello:v1 .
#   docker build -t ghcr.io/acme/materialize-sqlite:v1 --build-arg CONNECTOR=examples/materialize-sqlite/main.ts \
#     --build-arg PROTOCOL=materialize --build-arg EXTERNAL=better-sqlite3 .
#
# CONNECTOR is the connector's main file in the build context (default: the source-hello
# example); PROTOCOL is capture, materialize or derive; CODEC is proto (default) or json, the
# codec Flow will speak to it. A connector that needs a native addon keeps it out of the bundle
# (EXTERNAL=better-sqlite3) and the image installs it beside the bundle, at the version the lock
# file pins.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
ARG CONNECTOR=examples/source-hello/main.ts
ARG EXTERNAL=""
RUN npm run build \
 && node bin/flowkit.js bundle "$CONNECTOR" -o /out/connector.mjs $(for p in $EXTERNAL; do printf -- '--external %s ' "$p"; done) \
 && if [ -n "$EXTERNAL" ]; then cd /out && npm init -y >/dev/null \
      && npm install --omit=dev $(for p in $EXTERNAL; do printf '%s@%s ' "$p" "$(node -p "require('/src/node_modules/$p/package.json').version")"; done); fi

FROM node:20-bookworm-slim
ARG PROTOCOL=capture
ARG CODEC=proto
WORKDIR /connector
COPY --from=build /out/ /connector/
LABEL FLOW_RUNTIME_PROTOCOL=${PROTOCOL}
LABEL FLOW_RUNTIME_CODEC=${CODEC}
ENV FLOW_RUNTIME_CODEC=${CODEC}
ENV NODE_ENV=production
USER node
ENTRYPOINT ["node", "--enable-source-maps", "/connector/connector.mjs"]
