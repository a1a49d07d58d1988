import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import WebSocket from "ws";
import { waitFor } from "./tmp";

const root = join(import.meta.dirname, "..", "..");

export interface HostProcess {
  url: string;
  wsUrl: string;
  proc: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `ragline dev` (or another command, e.g. `["serve", "--role", "api"]`) as a child process on a free port and waits until it serves. */
export async function startHostProcess(dataDir: string, env: Record<string, string> = {}, command: string[] = ["dev"]): Promise<HostProcess> {
  // One process (node --import tsx), not the tsx CLI, which would run the host in a grandchild
  // that a SIGKILL of the child leaves running.
  const proc = spawn(process.execPath, ["--import", "tsx", join(root, "cli/main.ts"), ...command, "--data", dataDir, "--port", "0"], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: process.env.HOST_LOG_LEVEL ?? "ERROR", NODE_NO_WARNINGS: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const url = await waitFor(
    () => {
      if (proc.exitCode !== null) throw new Error(`host exited: ${out}`);
      return /API:\s+(http:\/\/\S+)/.exec(out)?.[1];
    },
    `${command.join(" ")} to print its URL`,
    30_000,
  );
  return {
    url,
    wsUrl: url.replace(/^http/, "ws") + "/ws",
    proc,
    output: () => out,
    stop: (signal = "SIGTERM") =>
      new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve(); // already exited, or killed by a signal
        proc.once("exit", () => resolve());
        proc.kill(signal);
      }),
  };
}

export interface JobFrame {
  jobId: string;
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

/** Subscribes over a real WebSocket and collects frames until the job is done or failed. */
export function followJob(wsUrl: string, jobId: string, afterSeq = 0, timeoutMs = 20_000): Promise<JobFrame[]> {
  return new Promise((resolve, reject) => {
    const frames: JobFrame[] = [];
    const ws = new WebSocket(wsUrl);
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error(`job ${jobId} did not finish; got ${JSON.stringify(frames.map((f) => f.type))}`));
    }, timeoutMs);
    ws.on("open", () => ws.send(JSON.stringify({ action: "subscribe", jobId, afterSeq })));
    ws.on("message", (raw) => {
      const f = JSON.parse(raw.toString());
      if (f.type === "error") {
        clearTimeout(timer);
        ws.close();
        return reject(new Error(f.error.message));
      }
      frames.push(f);
      if (f.type === "done" || f.type === "failed") {
        clearTimeout(timer);
        ws.close();
        resolve(frames);
      }
    });
    ws.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export async function api<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined || Buffer.isBuffer(body) ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}
