import { createHash, timingSafeEqual } from "node:crypto";

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * A shared service token presented as `Authorization: Bearer <token>` (or the token verbatim, as MinIO
 * sends one that has a scheme), compared in constant time. No configured token: nothing matches.
 */
export function presentsToken(header: string | undefined, token: string | undefined): boolean {
  if (!token || !header) return false;
  const presented = header.startsWith("Bearer ") ? header.slice(7) : header;
  return timingSafeEqual(digest(presented), digest(token));
}
