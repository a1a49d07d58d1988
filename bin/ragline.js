#!/usr/bin/env node
// Entry point of the `ragline` command: runs the TypeScript CLI through tsx.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
// One child process with tsx's loader, so signals reach the host itself.
const r = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), join(root, "cli", "main.ts"), ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? 1);
