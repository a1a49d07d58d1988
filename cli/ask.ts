import WebSocket from "ws";
import { integerFlag, stringFlag, type Flags } from "./args";

// `ragline ask "question"`: submit a job, follow it over the WebSocket, print the answer as it
// streams, then its citations.

export async function ask(question: string, flags: Flags) {
  const base = stringFlag(flags, "url") ?? process.env.RAGLINE_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`;
  const body: Record<string, unknown> = { question };
  const prefix = stringFlag(flags, "prefix"),
    topK = integerFlag(flags, "top-k", 1);
  if (prefix !== undefined) body.filters = { keyPrefix: prefix };
  if (topK !== undefined) body.topK = topK;
  const auth: Record<string, string> = process.env.RAGLINE_API_KEY ? { authorization: `Bearer ${process.env.RAGLINE_API_KEY}` } : {};
  const res = await fetch(`${base}/queries`, { method: "POST", headers: { "content-type": "application/json", ...auth }, body: JSON.stringify(body) });
  const submitted = (await res.json()) as { jobId?: string; error?: { message: string } };
  if (res.status !== 202 || !submitted.jobId) throw new Error(`submit failed (${res.status}): ${submitted.error?.message ?? "unknown error"}`);
  const jobId = submitted.jobId;

  await new Promise<void>((resolve, reject) => {
    const token = process.env.RAGLINE_API_KEY ? `?token=${encodeURIComponent(process.env.RAGLINE_API_KEY)}` : "";
    const ws = new WebSocket(base.replace(/^http/, "ws") + "/ws" + token);
    ws.on("open", () => ws.send(JSON.stringify({ action: "subscribe", jobId, afterSeq: 0 })));
    ws.on("message", (raw) => {
      const e = JSON.parse(raw.toString());
      if (e.type === "stage" && e.data.status === "started") process.stderr.write(`… ${e.data.stage}\n`);
      // A retried generation that diverged starts over: what was printed before is void.
      if (e.type === "stage" && e.data.status === "restarted") process.stdout.write("\n[the answer restarted after a failure]\n");
      if (e.type === "delta") process.stdout.write(e.data.text);
      if (e.type === "done") {
        process.stdout.write("\n\nSources:\n");
        for (const c of e.data.citations as { n: number; documentKey: string; page?: number }[])
          process.stdout.write(`  [${c.n}] ${c.documentKey}${c.page ? ` (page ${c.page})` : ""}\n`);
        ws.close();
        resolve();
      }
      if (e.type === "failed") {
        ws.close();
        reject(new Error(`job failed: ${e.data.error}`));
      }
      if (e.type === "cancelled") {
        ws.close();
        reject(new Error("job cancelled"));
      }
      if (e.type === "error") {
        ws.close();
        reject(new Error(e.error?.message ?? "subscription error"));
      }
    });
    ws.on("error", reject);
  });
}
