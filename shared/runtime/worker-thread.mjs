// Bootstrap of a worker-pool thread: plain JavaScript, so it loads without a TypeScript loader;
// it registers tsx, then imports the task module (TypeScript) and answers task messages.
import { parentPort, workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const tasks = await import(workerData.tasks);

parentPort.on("message", async ({ id, task, payload }) => {
  try {
    if (typeof tasks[task] !== "function") throw new Error(`no task named ${task}`);
    const { value, transfer } = await tasks[task](payload);
    parentPort.postMessage({ id, ok: true, value }, transfer ?? []);
  } catch (err) {
    // Errors do not keep their class across threads: send what the caller needs to rebuild it.
    const e = err instanceof Error ? err : new Error(String(err));
    parentPort.postMessage({ id, ok: false, error: { name: e.name, message: e.message, code: typeof e.code === "string" ? e.code : undefined } });
  }
});
