import { pathToFileURL } from "node:url";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import type { Context as LambdaContext } from "aws-lambda";

// Loads handler modules named by the topology (functions/<handler>.ts), exactly the files Lambda runs.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LambdaHandler = (event: any, context: LambdaContext) => Promise<any>;

const functionsDir = join(dirname(dirname(fileURLToPath(import.meta.url))), "functions");
const cache = new Map<string, Promise<LambdaHandler>>();

export function loadHandler(handlerPath: string): Promise<LambdaHandler> {
  let p = cache.get(handlerPath);
  if (!p) {
    p = import(pathToFileURL(join(functionsDir, `${handlerPath}.ts`)).href).then((m) => {
      if (typeof m.handler !== "function") throw new Error(`functions/${handlerPath} does not export a handler`);
      return m.handler as LambdaHandler;
    });
    cache.set(handlerPath, p);
  }
  return p;
}
