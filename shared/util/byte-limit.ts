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

/** Passes exactly `size` bytes: fails at once past it, or at the end if fewer came (`seen` bytes). */
export function exactBytes(size: number, mismatch: (seen: number) => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > size) done(mismatch(seen));
      else done(null, chunk);
    },
    flush(done) {
      done(seen === size ? null : mismatch(seen));
    },
  });
}
