// Where the API is. Served by the host, the console and the API share an origin and config.json says
// nothing (relative requests, /ws beside them). Deployed as a static site (stacks/console-site.ts), the
// deploy writes the HTTP API's and the WebSocket API's URLs into config.json. Read once, before anything
// else runs (top-level await); the API key is only ever sent to these URLs.

const FILE = new URL("../config.json", import.meta.url);

/** `{apiUrl, webSocketUrl}`: absolute URLs, or "" for same-origin. A missing or unreadable file is same-origin. */
export function parseConfig(raw) {
  const apiUrl = typeof raw?.apiUrl === "string" && raw.apiUrl ? new URL(raw.apiUrl) : undefined;
  const webSocketUrl = typeof raw?.webSocketUrl === "string" && raw.webSocketUrl ? new URL(raw.webSocketUrl) : undefined;
  if (apiUrl && !/^https?:$/.test(apiUrl.protocol)) throw new Error(`config.json: apiUrl must be http(s), not ${apiUrl.protocol}`);
  if (webSocketUrl && !/^wss?:$/.test(webSocketUrl.protocol)) throw new Error(`config.json: webSocketUrl must be ws(s), not ${webSocketUrl.protocol}`);
  return { apiUrl: apiUrl ? apiUrl.href.replace(/\/+$/, "") : "", webSocketUrl: webSocketUrl ? webSocketUrl.href : "" };
}

async function load() {
  let res;
  try {
    res = await fetch(FILE, { cache: "no-cache" });
  } catch {
    return parseConfig(undefined);
  }
  if (!res.ok) return parseConfig(undefined);
  return parseConfig(await res.json());
}

export const config = await load();

/** The URL of an API path ("/documents?limit=1"): on the configured API, else this origin. */
export const apiUrl = (path) => `${config.apiUrl}${path}`;
