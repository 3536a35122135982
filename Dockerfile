# The image GatewayController deploys: `cdk8s-gateway controller` (status writer or proxy).
# Build: docker build -t ghcr.io/maintainers/cdk8s-gateway:$(node -p 'require("./package.json").version') .

# Compiles src/ to lib/ with the locked toolchain.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json

# Runtime dependencies only: the CLI loads no dev tool, and no construct library.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# node:20-bookworm-slim rather than distroless: the entrypoint is `node` on PATH, and a shell
# helps when debugging a pod. The process runs as uid 65532 with a read-only root filesystem.
FROM node:20-bookworm-slim
RUN groupadd --gid 65532 nonroot && useradd --uid 65532 --gid 65532 --no-create-home --shell /usr/sbin/nologin nonroot
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/lib ./lib
COPY bin ./bin
COPY package.json ./
USER 65532:65532
EXPOSE 9901
ENTRYPOINT ["node", "bin/cdk8s-gateway"]
CMD ["controller"]
