import { spawnSync } from "node:child_process";
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { benchFlags, percentile, tempDataDir } from "./support";

// Peak memory of PUT /documents/{key} with a 60 MB body: the host's streamed path (the body goes to
// the bucket as it arrives) against the earlier buffered path (the whole body collected, concatenated,
// base64'd into the event, decoded again by the handler, then written), which is the handler's Lambda
// path fed the way the host used to feed it. Each run is a fresh process (peak RSS only grows), the
// two paths interleaved; the figure is the process's peak RSS (getrusage maxrss) over its RSS just
// before the upload(s). The client streams from one 64 KiB piece, so it adds next to nothing.

const MB = 1024 * 1024;
const flags = benchFlags();

if (flags.child) await child(flags.child as "buffered" | "streamed", Number(flags.uploads ?? 1), Number(flags.mb ?? 60));
else parent();

function parent() {
  const rounds = Number(flags.rounds ?? 3);
  const mb = Number(flags.mb ?? 60);
  console.log(`upload memory: PUT /documents/{key} of ${mb} MB, ${rounds} rounds, each path in a fresh process, interleaved`);
  for (const uploads of [1, 4]) {
    const peaks: Record<string, number[]> = { buffered: [], streamed: [] };
    for (let r = 0; r < rounds; r++) {
      for (const mode of ["buffered", "streamed"] as const) {
        const out = spawnSync(
          process.execPath,
          [...process.execArgv, import.meta.filename, "--child", mode, "--uploads", String(uploads), "--mb", String(mb)],
          { encoding: "utf8", env: { ...process.env, RAGLINE_LOG_LEVEL: "ERROR" } },
        );
        const line = out.stdout.split("\n").find((l) => l.startsWith("{"));
        if (out.status !== 0 || !line) throw new Error(`child ${mode} failed: ${out.stderr.slice(-2000)}`);
        peaks[mode].push(JSON.parse(line).peakOverBaselineMb);
      }
    }
    const med = (xs: number[]) => percentile(xs, 50);
    const b = med(peaks.buffered);
    const s = med(peaks.streamed);
    console.log(
      `  ${uploads} upload(s) at once: peak RSS over baseline, median of ${rounds}: buffered ${b.toFixed(0)} MB, streamed ${s.toFixed(0)} MB (${(b / Math.max(s, 1)).toFixed(1)}x less)` +
        `  [buffered ${peaks.buffered.map((x) => x.toFixed(0)).join("/")}; streamed ${peaks.streamed.map((x) => x.toFixed(0)).join("/")}]`,
    );
  }
}

async function child(mode: "buffered" | "streamed", uploads: number, mb: number) {
  const data = tempDataDir();
  Object.assign(process.env, { RAGLINE_DATA_DIR: data.dir, RAGLINE_AUTH: "off", RAGLINE_MAX_OBJECT_BYTES: String(200 * MB) });
  const { httpRequestListener } = await import("../host/http-server");
  const { loadHandler } = await import("../host/handlers");
  const { lambdaContext } = await import("../host/lambda-context");
  const { topology } = await import("../shared/topology");
  const server: Server =
    mode === "streamed"
      ? createServer(httpRequestListener(topology, 200 * MB))
      : createServer(async (req, res) => {
          // The earlier host: the body collected whole, then base64 in the event; the handler decodes it.
          const parts: Buffer[] = [];
          for await (const c of req as AsyncIterable<Buffer>) parts.push(c);
          const body = Buffer.concat(parts);
          const key = decodeURIComponent(req.url!.slice("/documents/".length));
          const event = {
            version: "2.0",
            routeKey: "PUT /documents/{key+}",
            rawPath: req.url,
            rawQueryString: "",
            headers: { "content-type": "application/octet-stream" },
            pathParameters: { key },
            body: body.toString("base64"),
            isBase64Encoded: true,
            requestContext: {
              http: { method: "PUT", path: req.url, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "bench" },
              requestId: "r",
              routeKey: "PUT /documents/{key+}",
              stage: "$default",
              time: "",
              timeEpoch: Date.now(),
            },
          };
          const handler = await loadHandler("http/documents");
          const r = await handler(event, lambdaContext("http-documents", 600)); // generous: this measures memory, not time
          res.writeHead(r.statusCode, r.headers);
          res.end(r.body);
        });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  await put(port, "warm-up.bin", 1); // modules loaded, context created
  globalThis.gc?.();
  const baseline = process.memoryUsage().rss;
  const statuses = await Promise.all(Array.from({ length: uploads }, (_, i) => put(port, `big-${i}.bin`, mb)));
  if (statuses.some((s) => s !== 202)) throw new Error(`uploads answered ${statuses.join(", ")}`);
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ mode, uploads, mb, baselineMb: baseline / MB, peakMb: peak / MB, peakOverBaselineMb: (peak - baseline) / MB }));
  server.close();
  data.cleanup();
  process.exit(0);
}

/** PUT of `mb` MB streamed from one 64 KiB piece, with its Content-Length. */
function put(port: number, key: string, mb: number): Promise<number> {
  const piece = Buffer.alloc(64 * 1024, "ragline upload bench ");
  const total = mb * MB;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "PUT",
        path: `/documents/${key}`,
        headers: { "content-type": "application/octet-stream", "content-length": String(total) },
      },
      (res: IncomingMessage) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const n = Math.min(piece.length, total - sent);
        sent += n;
        if (!req.write(n === piece.length ? piece : piece.subarray(0, n))) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}
