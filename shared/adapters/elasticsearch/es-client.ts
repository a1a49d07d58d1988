import { Client, SniffingTransport, type TransportOptions } from "@elastic/elasticsearch";

type ClientOptions = NonNullable<ConstructorParameters<typeof Client>[0]>;

// One client set-up for Elasticsearch 8.x and 9.x. Client 9.x sends
// `application/vnd.elasticsearch+json; compatible-with=9`, which 8.x refuses with
// media_type_header_exception; 9.x would also refuse a `compatible-with=8` one day (10.x). Plain
// `application/json` is accepted by every version: each server answers in its own format, and the
// requests this adapter sends mean the same on 8.4+ and 9.x. The range is checked at start-up.

const PLAIN_JSON = { jsonContentType: "application/json", ndjsonContentType: "application/x-ndjson", accept: "application/json, text/plain" };

/** The client's own transport, with plain JSON media types instead of the versioned ones. */
export class PlainJsonTransport extends SniffingTransport {
  constructor(opts: TransportOptions) {
    super({ ...opts, vendoredHeaders: PLAIN_JSON });
  }
}

export function createEsClient(opts: ClientOptions): Client {
  return new Client({ ...opts, Transport: PlainJsonTransport });
}

/**
 * 8.4 brought the `knn` option of `_search` (with `filter`), which hybrid search needs; 10.x is
 * unknown. Everything in between is written against the 9.x request types (estypes).
 */
export const SUPPORTED_ES_VERSIONS = ">= 8.4 and < 10";

export class UnsupportedEsVersionError extends Error {
  constructor(readonly version: string) {
    super(`Elasticsearch ${version} is not supported: this adapter needs ${SUPPORTED_ES_VERSIONS}`);
    this.name = "UnsupportedEsVersionError";
  }
}

export function checkEsVersion(version: string): void {
  const [major, minor] = version.split(".").map((n) => Number.parseInt(n, 10));
  const ok = (major === 8 && minor >= 4) || major === 9;
  if (!ok) throw new UnsupportedEsVersionError(version);
}
