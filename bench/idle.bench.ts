import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FolderNotifications } from "../host/folder-notifications";
import { FolderObjectStore } from "../shared/adapters/embedded/folder-object-store";
import { tempDataDir } from "./support";

// Idle cost of the folder bucket's notifications at N files, side by side in one process: the
// file-system watcher (with its rare full rescan) vs. stat-polling every file each tick (the previous
// design, and still the fallback where fs.watch is unavailable). Rounds interleave the two; the figure
// is CPU seconds per wall second while nothing changes.

const FILES = Number(process.env.IDLE_FILES ?? 5000);
const SECONDS = Number(process.env.IDLE_SECONDS ?? 10);
const ROUNDS = 2;

const t = tempDataDir();
const root = join(t.dir, "bucket");
for (let i = 0; i < FILES; i++) {
  const dir = join(root, `d${i % 50}`);
  if (i < 50) mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `doc-${i}.txt`), `document ${i}`);
}
const store = new FolderObjectStore(root, join(t.dir, "tmp"));

async function idleCpu(watcher: boolean, round: number): Promise<number> {
  let announced = 0;
  const n = new FolderNotifications(
    store,
    join(t.dir, `state-${watcher}-${round}.db`),
    "documents",
    async (r) => {
      announced += r.length;
    },
    500,
    60_000,
    watcher,
  );
  n.start();
  while (announced < FILES) await new Promise((r) => setTimeout(r, 200)); // first full scan and settle
  await new Promise((r) => setTimeout(r, 1500));
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const c = process.cpuUsage(c0);
  const perSecond = (c.user + c.system) / 1e6 / ((performance.now() - w0) / 1000);
  await n.stop();
  return perSecond;
}

const results: Record<string, number[]> = { watcher: [], polling: [] };
for (let r = 0; r < ROUNDS; r++) {
  results.watcher.push(await idleCpu(true, r));
  results.polling.push(await idleCpu(false, r));
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
console.log(`idle bucket notifications at ${FILES} files, ${SECONDS} s x ${ROUNDS} interleaved rounds (CPU-s per s):`);
console.log(`  fs.watch + 60 s rescan: ${results.watcher.map((v) => v.toFixed(4)).join(", ")} (median ${median(results.watcher).toFixed(4)})`);
console.log(`  stat-polling every 500 ms: ${results.polling.map((v) => v.toFixed(4)).join(", ")} (median ${median(results.polling).toFixed(4)})`);
console.log(`  ratio polling / watcher: ${(median(results.polling) / Math.max(median(results.watcher), 1e-6)).toFixed(1)}x`);
t.cleanup();
