import { api } from "./api.js";
import { config } from "./config.js";
import { session } from "./session.js";

// Follows one job over the WebSocket `/ws`: subscribe with the last sequence number seen, so a
// reconnect resumes without a gap or a repeat. Frames at or below the last seq are dropped (a replay
// overlapping live events); a frame past the next seq means something was missed, so the console
// resubscribes from the last one it has rather than show a hole. A browser never sees a refused
// handshake's status, so a connection that closes before it opened asks the API about the job with
// the same key: a 401 (key revoked, expired, or replaced) ends the stream with "sign in again"
// instead of retrying forever; a 403/404 ends it with that reason; anything else is retried.

const TERMINAL = new Set(["done", "failed", "cancelled"]);

export function webSocketUrl() {
  // The configured WebSocket API, else /ws on this origin.
  const url = new URL(config.webSocketUrl || "/ws", location.href);
  if (!config.webSocketUrl) url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  // Browsers cannot set headers on a WebSocket; the API takes the key as ?token= on connect.
  const key = session.key();
  if (key) url.searchParams.set("token", key);
  return url.toString();
}

/** onFrame(frame) for each event in order; onState(text) for the connection's state; onError({code, message}) ends it. */
export function followJob(jobId, { onFrame, onState = () => {}, onError = () => {} }) {
  let lastSeq = 0;
  let stopped = false;
  let retries = 0;
  let ws;

  const connect = () => {
    onState(lastSeq ? `reconnecting after seq ${lastSeq}` : "connecting");
    let opened = false;
    ws = new WebSocket(webSocketUrl());
    ws.onopen = () => {
      opened = true;
      retries = 0;
      ws.send(JSON.stringify({ action: "subscribe", jobId, afterSeq: lastSeq }));
      onState(`following after seq ${lastSeq}`);
    };
    ws.onmessage = (msg) => {
      let f;
      try {
        f = JSON.parse(msg.data);
      } catch {
        return;
      }
      if (f.type === "error") {
        stopped = true;
        onError(f.error ?? { code: "error", message: "the server refused the subscription" });
        ws.close();
        return;
      }
      if (f.jobId !== jobId || typeof f.seq !== "number" || f.seq <= lastSeq) return;
      if (f.seq !== lastSeq + 1) {
        ws.close();
        return;
      } // a gap: onclose resubscribes from lastSeq
      lastSeq = f.seq;
      onFrame(f);
      if (TERMINAL.has(f.type)) {
        stopped = true;
        onState(`${f.type} at seq ${f.seq}`);
        ws.close();
      }
    };
    ws.onclose = async () => {
      if (stopped) return;
      if (!opened) {
        const refused = await refusal(jobId);
        if (stopped) return;
        if (refused) {
          stopped = true;
          onState(`stopped after seq ${lastSeq}: ${refused.message}`);
          onError(refused);
          return;
        }
      }
      retries++;
      const delay = Math.min(5000, 200 * 2 ** Math.min(retries, 5));
      onState(`connection lost after seq ${lastSeq}; reconnecting in ${delay} ms`);
      setTimeout(() => {
        if (!stopped) connect();
      }, delay);
    };
  };

  connect();
  return {
    get lastSeq() {
      return lastSeq;
    },
    stop() {
      stopped = true;
      ws?.close();
    },
  };
}

/** Why the API refuses this key for this job (401, 403, 404), or undefined when it does not (network, 5xx, or allowed). */
async function refusal(jobId) {
  try {
    await api("GET", `/queries/${encodeURIComponent(jobId)}`);
    return undefined;
  } catch (err) {
    if (err.status === 401) return { code: "unauthorized", message: "the API key was refused (401): sign in again", signInAgain: true };
    if (err.status === 403 || err.status === 404) return { code: err.code, message: err.message };
    return undefined;
  }
}

/** The answer as the log builds it: each delta writes at its offset; `generate restarted` discards what came before (shared/jobs/answer-log.ts). */
export function applyToAnswer(text, frame) {
  if (frame.type === "stage" && frame.data?.stage === "generate" && frame.data?.status === "restarted") return "";
  if (frame.type === "delta") return text.slice(0, Number(frame.data?.offset ?? text.length)) + String(frame.data?.text ?? "");
  return text;
}
