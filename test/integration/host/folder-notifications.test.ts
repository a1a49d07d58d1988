import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { S3Record } from "../../../events/s3";
import { FolderNotifications } from "../../../host/folder-notifications";
import { FolderObjectStore } from "../../../shared/adapters/embedded/folder-object-store";
import { tempDir, waitFor } from "../../helpers/tmp";

// The folder bucket's notifications on the real file system. The full rescan is set to an hour, so
// every change below must arrive through the file-system watcher.

describe("folder bucket notifications from file-system events (real directory, fs.watch)", () => {
  const t = tempDir();
  const root = join(t.dir, "bucket");
  const store = new FolderObjectStore(root, join(t.dir, "tmp"));
  const events: string[] = [];
  const notifications = new FolderNotifications(
    store,
    join(t.dir, "state.db"),
    "documents",
    async (records: S3Record[]) => {
      for (const r of records) events.push(`${r.eventName.startsWith("ObjectRemoved") ? "removed" : "created"} ${r.s3.object.key}`);
    },
    100,
    3_600_000,
  );
  const seen = (e: string) => waitFor(() => events.includes(e), e, 10_000);

  beforeAll(() => notifications.start());
  afterAll(async () => {
    await notifications.stop();
    t.cleanup();
  });

  it("announces a dropped file, its sidecar, a change, a sub-folder moved in, and removals, without a periodic scan", async () => {
    expect(notifications.watching).toBe(true);
    writeFileSync(join(root, "a.txt"), "first");
    await seen("created a.txt");

    events.length = 0;
    writeFileSync(join(root, "a.txt.meta.json"), JSON.stringify({ acl: ["hr"] }));
    await seen("created a.txt"); // new metadata: the document is read again

    events.length = 0;
    writeFileSync(join(root, "a.txt"), "second version");
    await seen("created a.txt");

    // A folder prepared elsewhere and moved in whole: its files are announced.
    const staged = join(t.dir, "staged");
    mkdirSync(join(staged, "deep"), { recursive: true });
    writeFileSync(join(staged, "deep", "b.txt"), "b");
    writeFileSync(join(staged, "c.txt"), "c");
    renameSync(staged, join(root, "reports"));
    await seen("created reports/c.txt");
    await seen("created reports/deep/b.txt");

    rmSync(join(root, "a.txt"));
    await seen("removed a.txt");
    rmSync(join(root, "reports"), { recursive: true });
    await seen("removed reports/c.txt");
    await seen("removed reports/deep/b.txt");
  });

  it("watches a folder made after start: a later change inside it is announced, also once the folder is removed and made again", async () => {
    events.length = 0;
    mkdirSync(join(root, "later", "deeper"), { recursive: true });
    writeFileSync(join(root, "later", "deeper", "d.txt"), "one");
    await seen("created later/deeper/d.txt");
    events.length = 0;
    writeFileSync(join(root, "later", "deeper", "d.txt"), "two, longer"); // only the new folder's own watcher sees this
    await seen("created later/deeper/d.txt");
    rmSync(join(root, "later"), { recursive: true });
    await seen("removed later/deeper/d.txt");
    events.length = 0;
    mkdirSync(join(root, "later"));
    writeFileSync(join(root, "later", "e.txt"), "e");
    await seen("created later/e.txt");
    writeFileSync(join(root, "later", "e.txt"), "e, changed");
    await waitFor(() => events.filter((e) => e === "created later/e.txt").length === 2, "second created later/e.txt", 10_000);
  });

  it("ignores hidden files and announces each change once", async () => {
    events.length = 0;
    writeFileSync(join(root, ".editor-swap"), "x");
    writeFileSync(join(root, "once.txt"), "1");
    await seen("created once.txt");
    await new Promise((r) => setTimeout(r, 600)); // a few settle periods: no second announcement
    expect(events.filter((e) => e === "created once.txt")).toHaveLength(1);
    expect(events.some((e) => e.includes(".editor-swap"))).toBe(false);
  });
});
