// `ragline stale`: the staleness report — documents whose index does not match their source,
// embedded with another model than the current one, or failed.

import { stringFlag, type Flags } from "./args";

export async function stale(flags: Flags) {
  const base = stringFlag(flags, "url") ?? process.env.RAGLINE_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`;
  const res = await fetch(`${base}/documents?stale=true`, {
    headers: process.env.RAGLINE_API_KEY ? { authorization: `Bearer ${process.env.RAGLINE_API_KEY}` } : {},
  });
  if (!res.ok) throw new Error(`staleness report failed (${res.status}): ${await res.text()}`);
  const body = (await res.json()) as { stale: { key: string; status: string; reasons: string[] }[]; embeddingModel: string };
  if (!body.stale.length) return void process.stdout.write(`nothing stale (current embedding model ${body.embeddingModel})\n`);
  for (const d of body.stale) process.stdout.write(`${d.key}  [${d.status}]\n${d.reasons.map((r) => `    - ${r}\n`).join("")}`);
  process.stdout.write(`${body.stale.length} stale document(s)\n`);
  process.exitCode = 2;
}
