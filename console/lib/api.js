import { apiUrl } from "./config.js";
import { session } from "./session.js";

// The public HTTP API: this origin, or the one config.json names (./config.js). Errors are the API's `{error: {code, message}}`, thrown as ApiError.

export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** `body`: an object is sent as JSON; a Blob/File or string as it is. */
export async function api(method, path, { body, headers = {}, key = session.key() } = {}) {
  const h = { ...headers };
  if (key) h["x-api-key"] = key;
  let payload = body;
  if (body !== undefined && !(body instanceof Blob) && typeof body !== "string") {
    h["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(apiUrl(path), { method, headers: h, body: payload });
  } catch (err) {
    throw new ApiError(0, "network", `cannot reach the API: ${err.message}`);
  }
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const e = data?.error;
    const retry = res.headers.get("retry-after");
    const message = `${res.status} ${e?.code ?? res.statusText}: ${e?.message ?? text}${retry ? ` (retry after ${retry} s)` : ""}`;
    throw new ApiError(res.status, e?.code ?? `http_${res.status}`, message, retry);
  }
  return data;
}

/** A document key as a path: each segment escaped, slashes kept (the API's {key+}). */
export const documentPath = (key) => `/documents/${key.split("/").map(encodeURIComponent).join("/")}`;

export function query(params) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== ""));
  return q.size ? `?${q}` : "";
}
