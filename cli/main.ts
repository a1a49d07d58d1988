import { ask } from "./ask";
import { isCommand, parseCommandLine, UsageError } from "./args";
import { dev } from "./dev";
import { ocrHostCommand } from "./ocr-host";
import { redriveCommand } from "./redrive";
import { runOnce } from "./run";
import { stale } from "./stale";

const USAGE = `usage:
  ragline dev [--data DIR] [--port N]     run everything on this machine (embedded backends unless RAGLINE_BACKEND says otherwise)
  ragline serve [--role all|api|workers] [--functions a,b] [--port N]
                                          the function host for on-prem and scale-out: replicas share the backends;
                                          --functions: only these topology functions (one Kubernetes Deployment each)
  ragline run FUNCTION                    one run of a scheduled function, then exit (a Kubernetes CronJob's command)
  ragline ask "question" [--url URL] [--prefix KEY_PREFIX] [--top-k N]
  ragline stale [--url URL]               documents whose index does not match the source (exit code 2 if any)
  ragline redrive QUEUE|--all [--limit N] dead-lettered messages back to their queue (configured backends)
  ragline ocr-host [--port N] [--host ADDR] OCR of scanned pages over HTTP (RAGLINE_OCR_TOKEN), for RAGLINE_OCR_URL
`;

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  if (!isCommand(command)) {
    process.stdout.write(USAGE);
    process.exitCode = command && !["help", "--help", "-h"].includes(command) ? 1 : 0;
    return;
  }
  const { positionals, flags } = parseCommandLine(command, rest);
  switch (command) {
    case "dev":
      return dev(flags);
    case "stale":
      return stale(flags);
    case "serve":
      return dev(flags, { quiet: true });
    case "run":
      await runOnce(positionals[0]);
      // Exit even if a client library keeps a socket open: a CronJob's pod must end.
      setTimeout(() => process.exit(0), 5000).unref();
      return;
    case "redrive":
      return redriveCommand(positionals[0], flags);
    case "ocr-host":
      return ocrHostCommand(flags);
    case "ask":
      if (!positionals.length) throw new UsageError('ask needs a question: ragline ask "..."');
      return ask(positionals.join(" "), flags);
  }
}

main().catch((err) => {
  process.stderr.write(`ragline: ${err instanceof Error ? err.message : String(err)}\n`);
  // A usage error exits 64 (EX_USAGE; 2 is stale's "stale documents found"), with the usage; a failure at run time exits 1.
  if (err instanceof UsageError) process.stderr.write(USAGE);
  process.exit(err instanceof UsageError ? 64 : 1);
});
