import { Transform } from "node:stream";

/**
 * Passes bytes through until more than `max` have gone by, then fails with `tooLarge()` at once:
 * a size limit enforced while a body is read, not after it was held whole.
 */
export function byteLimit(max: number, tooLarge: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max) done(tooLarge());
      else done(null, chunk);
    },
  });
}
