# syntax=docker/dockerfile:1
# trustgate GitHub App. Build: docker build -t trustgate .
# Run:   docker run -p 3000:3000 -e APP_ID=... -e PRIVATE_KEY="$(cat key.pem)" -e WEBHOOK_SECRET=... trustgate
# See docs/github-app.md.

# --- build: dev dependencies, generated data, compiled JavaScript ---------------------------------
# Node 24 is the current LTS (the AWS SDK will require 22+); the project's tests still pass on Node 20.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts are skipped: `prepare` needs the sources, which are not copied yet; the build below runs them.
RUN npm ci --ignore-scripts
COPY . .
# prebuild generates data/generated/ (managed policies from a devDependency, the IAM index); build compiles.
RUN npm run build

# --- runtime: production dependencies only, non-root ----------------------------------------------
FROM node:24-bookworm-slim AS runtime
# Probot listens on localhost unless HOST says otherwise; a container must listen on every interface.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
# No scripts: `prepare` would try to compile and generate data with dev tools this stage does not have.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/cli ./dist/cli
COPY --from=build /app/data ./data
COPY bin ./bin
COPY policies ./policies
COPY app.yml ./
USER node
EXPOSE 3000
# docker stop sends this; the server drains running checks on SIGTERM (src/app/serve.ts).
STOPSIGNAL SIGTERM
# Ready = GitHub accepts the app's credentials and the queue accepts work (src/app/operations.ts).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node flags: src/app/node-flags.ts says why.
CMD ["node", "--max-semi-space-size=4", "dist/src/app/server.js"]
