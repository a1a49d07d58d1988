// The pdf.js thread: pdf.js's own worker (content streams, fonts, text assembly) served on the port
// the parsing thread hands over, so that thread lays out one page while this one reads the next.
import { workerData } from "node:worker_threads";

// pdfjs 5 hands fonts over with ArrayBuffer.prototype.transferToFixedLength, which Node 20 lacks (see document.ts).
if (!ArrayBuffer.prototype.transferToFixedLength) {
  Object.defineProperty(ArrayBuffer.prototype, "transferToFixedLength", {
    configurable: true,
    writable: true,
    value(len) {
      const out = new ArrayBuffer(len ?? this.byteLength);
      new Uint8Array(out).set(new Uint8Array(this, 0, Math.min(out.byteLength, this.byteLength)));
      return out;
    },
  });
}

// unpdf's build of pdf.js carries the worker side and publishes it on globalThis.pdfjsWorker.
await import("unpdf/pdfjs");
globalThis.pdfjsWorker.WorkerMessageHandler.initializeFromPort(workerData.port);
