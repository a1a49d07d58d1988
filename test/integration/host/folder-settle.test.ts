import { closeSync, mkdirSync, openSync, renameSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { S3Record } from "../../../events/s3";
import { FolderNotifications } from "../../../host/folder-notifications";
import { FolderObjectStore } from "../../../shared/adapters/embedded/folder-object-store";
import { tempDir, waitFor } from "../../helpers/tmp";

// When the folder bucket announces a file (real directory, fs.watch): a file renamed into place is
// complete when it appears and goes at once; a file written in place waits until it has stayed
// unchanged for the settle period, however it started, so a slow copier's file is never announced
// half-written.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("folder bucket: how long a new file waits before it is announced", () => {
  let t: ReturnType<typeof tempDir>;
  let notifications: FolderNotifications | undefined;
  afterEach(async () => {
    await notifications?.stop();
    notifications = undefined;
    t.cleanup();
  });

  /** Notifications on a fresh bucket; each announcement records the file's size when it was made. */
  function start(settleMs: number) {
    t = tempDir();
    const root = join(t.dir, "bucket");
    const store = new FolderObjectStore(root, join(t.dir, "tmp"));
    const announced: { key: string; size: number }[] = [];
    notifications = new FolderNotifications(
      store,
      join(t.dir, "state.db"),
      "documents",
      async (records: S3Record[]) => {
        for (const r of records) announced.push({ key: r.s3.object.key, size: statSync(join(root, r.s3.object.key)).size });
      },
      settleMs,
      3_600_000,
    );
    notifications.start();
    return { root, store, announced };
  }

  it("a file renamed into the folder, and an upload through the store, go without waiting the settle period (an hour here)", async () => {
    const { root, store, announced } = start(3_600_000);
    await waitFor(() => notifications!.watching, "the watcher");
    mkdirSync(join(t.dir, "staging"));
    writeFileSync(join(t.dir, "staging", "moved.txt"), "written elsewhere, then moved in whole");
    renameSync(join(t.dir, "staging", "moved.txt"), join(root, "moved.txt"));
    await store.put("uploaded.txt", Buffer.from("an upload"), { metadata: { department: "hr" } });
    await waitFor(() => announced.length === 2, "both announced", 10_000, 20);
    expect(announced.map((a) => a.key).sort()).toEqual(["moved.txt", "uploaded.txt"]);
  });

  it("a file a slow copier writes in place (created, then a chunk every 150 ms) is announced once, whole", async () => {
    const { root, announced } = start(400);
    await waitFor(() => notifications!.watching, "the watcher");
    const chunk = Buffer.alloc(4096, "a");
    const fd = openSync(join(root, "copied.txt"), "w");
    for (let i = 0; i < 5; i++) {
      await sleep(150); // longer than a renamed file's quick look, shorter than the settle period
      writeSync(fd, chunk);
    }
    closeSync(fd);
    await waitFor(() => announced.length > 0, "the copied file announced", 10_000, 20);
    await sleep(600); // past another settle period: no second announcement comes
    expect(announced).toEqual([{ key: "copied.txt", size: 5 * 4096 }]);
  });
});
