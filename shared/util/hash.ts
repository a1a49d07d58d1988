import { createHash } from "node:crypto";

export const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** Short, stable id from parts (content addressing). */
export const contentId = (...parts: string[]) => sha256(parts.join("\u0000")).slice(0, 24);
