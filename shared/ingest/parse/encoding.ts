import chardet from "chardet";
import iconv from "iconv-lite";

// Text bytes → string: BOM first, then strict UTF-8, then a statistical guess (legacy code pages, UTF-16 without BOM).

export interface DecodedText {
  text: string;
  encoding: string;
}

export function decodeText(body: Buffer, declared?: string): DecodedText {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return { text: body.subarray(3).toString("utf8"), encoding: "utf-8" };
  if (body[0] === 0xff && body[1] === 0xfe) return { text: iconv.decode(body.subarray(2), "utf-16le"), encoding: "utf-16le" };
  if (body[0] === 0xfe && body[1] === 0xff) return { text: iconv.decode(body.subarray(2), "utf-16be"), encoding: "utf-16be" };
  if (declared && iconv.encodingExists(declared) && !/^utf-?8$/i.test(declared)) {
    return { text: iconv.decode(body, declared), encoding: declared.toLowerCase() };
  }
  const utf16 = utf16WithoutBom(body);
  if (utf16) return { text: iconv.decode(body, utf16), encoding: utf16 };
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(body), encoding: "utf-8" };
  } catch {
    // not UTF-8: fall through to detection
  }
  const guess = chardet.detect(body.subarray(0, 64 * 1024));
  // ISO-8859-1 is a subset of windows-1252 for text; 1252 also maps the 0x80-0x9f quotes and dashes.
  const encoding = !guess || /^(iso-8859-1|ascii)$/i.test(guess) ? "windows-1252" : guess;
  return { text: iconv.encodingExists(encoding) ? iconv.decode(body, encoding) : body.toString("latin1"), encoding: encoding.toLowerCase() };
}

/** UTF-16 text without a BOM has a zero byte in every other position for Latin scripts. */
function utf16WithoutBom(body: Buffer): "utf-16le" | "utf-16be" | undefined {
  const n = Math.min(body.length, 4096) & ~1;
  if (n < 8) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (body[i] === 0) evenZero++;
    if (body[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero > pairs * 0.4 && evenZero < pairs * 0.05) return "utf-16le";
  if (evenZero > pairs * 0.4 && oddZero < pairs * 0.05) return "utf-16be";
  return undefined;
}

/** True when decoded text is mostly printable (not a binary file read as text). */
export function isMostlyPrintable(text: string): boolean {
  const sample = text.slice(0, 8192);
  if (!sample.length) return false;
  let bad = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if ((c < 9 || (c > 13 && c < 32) || c === 0xfffd) && c !== 0x1b) bad++;
  }
  return bad <= sample.length * 0.01;
}
