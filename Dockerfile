# syntax=docker/dockerfile:1
# Cloud Companion: the first stage installs dependencies, compiles the TypeScript into dist/ (as `npm ci`
# does through `prepare`) and prunes dev dependencies; the second is a slim non-root runtime that runs dist/.

FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Native add-ons (@resvg/resvg-js) ship prebuilt binaries for linux-x64/arm64 glibc: no compiler needed.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY scripts/build.mjs ./scripts/build.mjs
COPY src ./src
COPY adapters ./adapters
COPY tools ./tools
RUN node scripts/build.mjs && npm prune --omit=dev --no-audit --no-fund

FROM node:20-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json tsconfig.json tsconfig.build.json ./
# The compiled build and its stamp; bin/ checks the stamp against the sources below.
COPY --from=deps --chown=node:node /app/dist ./dist
COPY --chown=node:node bin ./bin
COPY --chown=node:node src ./src
COPY --chown=node:node adapters ./adapters
COPY --chown=node:node tools ./tools
# The image's built-in unprivileged user (uid 1000).
USER node
EXPOSE 3000
# Kubernetes and Compose probe these; Docker's own check uses Node (the slim image has no curl).
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# exec form: node is PID 1's direct child of nothing, so SIGTERM reaches it and the graceful stop runs.
CMD ["node", "bin/cloud-companion.mjs", "start"]
