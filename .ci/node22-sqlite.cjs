// Preloaded (NODE_OPTIONS=--require) into the Node 22 run of the test suite: node_modules holds
// better-sqlite3's addon built for Node 20's ABI, which Node 22 refuses to load. Load the copy that
// .ci/run built for Node 22 (RAGLINE_SQLITE_ADDON) instead; nothing in node_modules is changed.
const { basename } = require("node:path");
const addon = process.env.RAGLINE_SQLITE_ADDON;
if (addon) {
  const dlopen = process.dlopen;
  process.dlopen = function (module, filename, ...rest) {
    return dlopen.call(this, module, basename(filename) === "better_sqlite3.node" ? addon : filename, ...rest);
  };
}
