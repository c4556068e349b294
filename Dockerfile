# The gateway as a container: production dependencies only, run as the image's unprivileged `node`
# user, listening on every interface of the container (COOLDOWN_HOST) on port 8787.
FROM node:24-bookworm-slim

ENV NODE_ENV=production \
    COOLDOWN_HOST=0.0.0.0 \
    COOLDOWN_PORT=8787

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src

# Where the SQLite state (spend, budgets) lives; a volume mounted here keeps it across restarts.
RUN mkdir -p /data && chown node:node /data
USER node

EXPOSE 8787
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.COOLDOWN_PORT || 8787) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["node", "bin/cooldown.js", "proxy"]
