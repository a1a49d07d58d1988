import type { Context } from "../../shared/runtime/context";

/** Polls the catalog until `total` documents have settled (indexed, failed or duplicate), printing progress to stderr. */
export async function awaitIngested(ctx: Context, name: string, total: number, everyMs: number): Promise<void> {
  for (;;) {
    const c = await ctx.catalog.counts();
    const settled = (c.indexed ?? 0) + (c.failed ?? 0) + (c.duplicate ?? 0);
    process.stderr.write(`\r${name}: ${settled}/${total} documents ingested`);
    if (settled >= total) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
