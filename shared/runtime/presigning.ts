import type { Config } from "./config";
import { resolveBackends } from "./config-backends";

// Where the bucket is S3 and URLs are presigned (RAGLINE_UPLOAD_URLS=presigned, or auto on Lambda, whose
// requests and responses stop at 6 MB), bytes go between the client and the bucket directly: an upload's
// PUT (ingest/uploads.ts) and a large document's GET (ingest/document-content.ts). Elsewhere the host carries them.

type Backends = ReturnType<typeof resolveBackends>;

/** The signing client's maker where URLs are presigned; undefined where the host carries the bytes. */
export function presignedUrls(config: Config): (() => Promise<import("@aws-sdk/client-s3").S3Client>) | undefined {
  const backends = resolveBackends(config);
  return backends.objects === "s3" && presigns(config.RAGLINE_UPLOAD_URLS) ? () => presignClient(backends) : undefined;
}

/** Presigned S3 URLs where asked, or (auto) on Lambda: elsewhere the host takes the body itself, streamed, with no S3 endpoint to expose. */
const presigns = (setting: "auto" | "presigned" | "host") => setting === "presigned" || (setting === "auto" && Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME));

const clients = new Map<string, Promise<import("@aws-sdk/client-s3").S3Client>>();
/** One S3 client per endpoint and credentials for signing (signing needs credentials, not a connection). */
function presignClient(b: Backends) {
  const id = JSON.stringify([b.s3, b.aws]);
  const client =
    clients.get(id) ??
    import("@aws-sdk/client-s3").then(
      ({ S3Client }) =>
        new S3Client({
          ...(b.s3.endpoint ? { endpoint: b.s3.endpoint, region: b.aws.region ?? "us-east-1" } : b.aws.region ? { region: b.aws.region } : {}),
          credentials: b.aws.credentials,
          forcePathStyle: b.s3.forcePathStyle,
          // No checksum header of an empty body in the signature (the SDK's default would pin one).
          requestChecksumCalculation: "WHEN_REQUIRED",
          responseChecksumValidation: "WHEN_REQUIRED",
        }),
    );
  clients.set(id, client);
  return client;
}
