#!/bin/sh
# The engine image's build steps, one per stage of engine-task/Dockerfile, each run from the
# stage's /app. test/e2e/engine-image.test.ts runs the same steps in scratch folders (no Docker).
#   deps              with package.json + package-lock.json: the dependencies the bundle inlines
#                     (engine-task/bundle-packages.json, at their locked versions, with what they
#                     need; no install scripts: nothing native is built here), and esbuild alone
#                     in engine-task/node_modules; no CDK, Playwright, vitest or TypeScript, nor the
#                     production dependencies only the Lambdas use
#   bundle            with tsconfig.json, core/ and engine-task/ added: engine-task/dist/ (main.mjs,
#                     healthcheck.mjs, and package.json + package-lock.json of the bundle's externals)
#   runtime [FLAG…]   with engine-task/dist/: installs those externals (better-sqlite3 and its own
#                     dependencies) into engine-task/dist/node_modules; FLAGs go to `npm ci`
set -eu
npm_ci() { npm ci --no-audit --no-fund --prefer-offline "$@"; }

case "${1:-}" in
  deps)
    node engine-task/lock-subset.mjs .inlined $(node -p "require('./engine-task/bundle-packages.json').join(' ')")
    (cd .inlined && npm_ci --ignore-scripts)
    rm -rf node_modules
    mv .inlined/node_modules node_modules
    rm -rf .inlined
    node engine-task/lock-subset.mjs .bundler esbuild
    (cd .bundler && npm_ci)
    rm -rf engine-task/node_modules
    mv .bundler/node_modules engine-task/node_modules
    rm -rf .bundler
    ;;
  bundle)
    node engine-task/build.mjs
    node engine-task/lock-subset.mjs engine-task/dist
    ;;
  runtime)
    shift
    (cd engine-task/dist && npm_ci --omit=dev "$@")
    ;;
  *)
    echo "usage: sh engine-task/stage-image.sh deps | bundle | runtime [npm ci flags]" >&2
    exit 2
    ;;
esac
