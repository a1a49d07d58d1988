// Types for scripts/patch-pdfjs.mjs (plain JS so that npm's postinstall runs it without tsx).
export declare const UPSTREAM_SHA256: string;
export declare const PATCHES: { name: string; upstream: string; patched: string }[];
export declare function unpatchSource(source: string): string;
export declare function upstreamSource(source: string): string;
export declare function patchSource(source: string): string;
export declare function pdfjsPath(): string;
