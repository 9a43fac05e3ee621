# Production image for a bundled flowkit connector.
#
# Not usable yet: the bundler (`flowkit bundle`) that produces dist/connector.mjs is still to be
# written. This file records the intended shape so nothing else claims otherwise.
FROM node:20-bookworm-slim
WORKDIR /connector
COPY dist/connector.mjs ./connector.mjs
LABEL FLOW_RUNTIME_PROTOCOL=capture
LABEL FLOW_RUNTIME_CODEC=json
ENTRYPOINT ["node", "/connector/connector.mjs"]
