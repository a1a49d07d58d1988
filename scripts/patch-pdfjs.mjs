// Two exact edits to pdf.js 5.6.205 as unpdf 1.7.0 bundles it (node_modules/unpdf/dist/pdfjs.mjs), applied
// on install (package.json "postinstall"). They make its text extraction ~1.5x faster and leave its output
// unchanged (test/unit/ingest/pdfjs-patches.test.ts compares the two on real filings).
//
// Why: pdf.js clones its text state on every `q` operator and font change with Object.create(this), which
// makes each state the prototype of the next. V8 turns every object used as a prototype into a slow,
// dictionary-like map, so every read of the text state (several per glyph) misses its inline caches:
// about a quarter of the CPU of getTextContent on financebench's 10-Ks. The second edit computes a glyph's
// transform without the two intermediate arrays pdf.js allocates per call (two to three calls per glyph).
//
// The edits apply only to the exact file they were written against (its SHA-256 below): when unpdf or pdf.js
// change, install fails here with a message, instead of a patch silently applying to code it was not read
// against. RAGLINE_SKIP_PDFJS_PATCH=1 installs without them (slower PDF parsing, same text).

import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** SHA-256 of unpdf 1.7.0's dist/pdfjs.mjs as npm ships it. */
export const UPSTREAM_SHA256 = "f3f05694d882ecc984f0dd105a1659c45d2f4e2b396649468c067042ef2d231a";

/** Each edit: the upstream text (occurring exactly once) and what replaces it. Names are the minifier's. */
export const PATCHES = [
  {
    // TextState.prototype.clone: a new TextState (class Yx) with the same fields, not a child of this one.
    name: "text-state-clone",
    upstream:
      "clone(){const e=Object.assign(Object.create(this),this);return e.textMatrix=this.textMatrix.slice(),e.textLineMatrix=this.textLineMatrix.slice(),e.fontMatrix=this.fontMatrix.slice(),e}}class Hd{",
    patched:
      "clone(){const e=Object.assign(new Yx(),this);return e.textMatrix=this.textMatrix.slice(),e.textLineMatrix=this.textLineMatrix.slice(),e.fontMatrix=this.fontMatrix.slice(),e}}class Hd{",
  },
  {
    // getCurrentTextTransform: ctm x (textMatrix x [size*hscale, 0, 0, size, 0, rise]) written out, with the same
    // products and sums in the same order as Util.transform (so the same doubles). Type 3 fonts keep the original.
    name: "text-transform-inline",
    upstream: "function W(){const ue=Y.font,Ae=[Y.fontSize*Y.textHScale,0,0,Y.fontSize,0,Y.textRise];if(ue.isType3Font",
    patched:
      "function W(){const ue=Y.font;if(!ue.isType3Font){const a=Y.fontSize*Y.textHScale,d=Y.fontSize,f=Y.textRise,e=Y.textMatrix,c=Y.ctm,t0=e[0]*a+e[2]*0,t1=e[1]*a+e[3]*0,t2=e[0]*0+e[2]*d,t3=e[1]*0+e[3]*d,t4=e[0]*0+e[2]*f+e[4],t5=e[1]*0+e[3]*f+e[5];return[c[0]*t0+c[2]*t1,c[1]*t0+c[3]*t1,c[0]*t2+c[2]*t3,c[1]*t2+c[3]*t3,c[0]*t4+c[2]*t5+c[4],c[1]*t4+c[3]*t5+c[5]]}const Ae=[Y.fontSize*Y.textHScale,0,0,Y.fontSize,0,Y.textRise];if(ue.isType3Font",
  },
];

const count = (s, part) => s.split(part).length - 1;
const sha256 = (s) => createHash("sha256").update(s).digest("hex");

/** The upstream file from a patched (or upstream) one. */
export function unpatchSource(source) {
  let out = source;
  for (const p of PATCHES) if (count(out, p.patched) === 1) out = out.replace(p.patched, () => p.upstream);
  return out;
}

/** npm's file from a patched (or upstream) one, checked against UPSTREAM_SHA256; throws when it is neither. */
export function upstreamSource(source) {
  const upstream = unpatchSource(source);
  if (sha256(upstream) !== UPSTREAM_SHA256) {
    throw new Error(
      "unpdf's dist/pdfjs.mjs is not the file scripts/patch-pdfjs.mjs was written for (unpdf 1.7.0): re-read the patches against the new pdf.js and update UPSTREAM_SHA256, or install with RAGLINE_SKIP_PDFJS_PATCH=1",
    );
  }
  return upstream;
}

/** The patched file from the upstream one (or an already patched one); throws when it is neither. */
export function patchSource(source) {
  let out = upstreamSource(source);
  for (const p of PATCHES) {
    if (count(out, p.upstream) !== 1) throw new Error(`pdf.js patch ${p.name}: its upstream text is not found exactly once`);
    out = out.replace(p.upstream, () => p.patched);
  }
  return out;
}

/** Path of the pdf.js bundle that unpdf loads. */
export function pdfjsPath() {
  return fileURLToPath(import.meta.resolve("unpdf/pdfjs"));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.env.RAGLINE_SKIP_PDFJS_PATCH === "1") {
    console.warn("patch-pdfjs: skipped (RAGLINE_SKIP_PDFJS_PATCH=1); PDF parsing runs on unpatched pdf.js");
  } else {
    const file = pdfjsPath();
    const before = readFileSync(file, "utf8");
    try {
      const after = patchSource(before);
      if (after !== before) writeFileSync(file, after);
      console.log(`patch-pdfjs: ${PATCHES.map((p) => p.name).join(", ")} ${after === before ? "already applied" : "applied"} (${file})`);
    } catch (err) {
      console.error(`patch-pdfjs: ${err.message}`);
      process.exit(1);
    }
  }
}
