# syntax=docker/dockerfile:1
# One image for every Polystore service; docker-compose.yml picks the command.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages/platform/package.json packages/platform/
COPY subgraphs/accounts/package.json subgraphs/accounts/
COPY subgraphs/catalog/package.json subgraphs/catalog/
COPY subgraphs/cart/package.json subgraphs/cart/
COPY subgraphs/search/package.json subgraphs/search/
COPY subgraphs/orders/package.json subgraphs/orders/
COPY subgraphs/payments/package.json subgraphs/payments/
COPY gateway/package.json gateway/
COPY tools/package.json tools/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# APOLLO_TELEMETRY_DISABLED: the gateway turns Apollo's telemetry off itself; this keeps it off for
# anything else in the image that reads it (docs/egress.md).
ENV NODE_ENV=production HOST=0.0.0.0 POLYSTORE_SCHEMA_DIR=/app/schema APOLLO_TELEMETRY_DISABLED=true
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
CMD ["node", "gateway/dist/main.js"]
