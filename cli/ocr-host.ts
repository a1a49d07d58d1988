import { startOcrHost } from "../host/ocr-host";
import { loadConfig } from "../shared/runtime/config";
import { integerFlag, stringFlag, UsageError, type Flags } from "./args";

// `ragline ocr-host`: serves OCR to functions that have no Tesseract (set their RAGLINE_OCR_URL to it).

export async function ocrHostCommand(flags: Flags) {
  const config = loadConfig();
  if (!config.RAGLINE_OCR_TOKEN) throw new UsageError("ocr-host needs RAGLINE_OCR_TOKEN (16+ characters): its callers send it as a bearer token");
  const host = await startOcrHost({
    token: config.RAGLINE_OCR_TOKEN,
    port: integerFlag(flags, "port", 0, 65535) ?? Number(process.env.PORT ?? 8790),
    hostname: stringFlag(flags, "host") ?? "0.0.0.0",
    maxBodyBytes: config.RAGLINE_MAX_OBJECT_BYTES,
  });
  process.stdout.write(`ragline OCR host on ${host.url} (POST /ocr/pdf, POST /ocr/image, GET /health)\n`);
  const stop = async () => {
    await host.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
