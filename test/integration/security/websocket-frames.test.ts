import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, followJob, startHostProcess, type HostProcess } from "../../helpers/host-process";
import { tempDir, waitFor } from "../../helpers/tmp";

// Hostile WebSocket input against a real host (`ragline dev` as a child process), written as raw
// frames on a TCP socket (RFC 6455 §5.2), since a well-behaved client library cannot send them. Each
// one must end at most that connection, with the close code RFC 6455 §7.4.1 assigns, and the host
// must still serve a normal client afterwards.

/** A client frame: FIN + opcode (+ RSV bits), masked as clients must (§5.3), with the 7/16/64-bit length forms. */
function frame(opcode: number, payload: Buffer, opts: { rsv?: number; masked?: boolean; declaredLength?: number } = {}): Buffer {
  const len = opts.declaredLength ?? payload.length;
  const masked = opts.masked ?? true;
  const head = [0x80 | ((opts.rsv ?? 0) << 4) | opcode];
  let ext = Buffer.alloc(0);
  if (len < 126) head.push((masked ? 0x80 : 0) | len);
  else if (len < 65536) {
    head.push((masked ? 0x80 : 0) | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(len);
  } else {
    head.push((masked ? 0x80 : 0) | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(BigInt(len));
  }
  if (!masked) return Buffer.concat([Buffer.from(head), ext, payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ key[i % 4]));
  return Buffer.concat([Buffer.from(head), ext, key, body]);
}

const TEXT = 0x1;

interface RawConnection {
  socket: Socket;
  /** Server frames received so far (opcode, payload). */
  frames: { opcode: number; payload: Buffer }[];
  closed: Promise<void>;
}

/** Opens a TCP connection and performs the opening handshake by hand (§4.1). */
async function rawConnect(wsUrl: string): Promise<RawConnection> {
  const url = new URL(wsUrl);
  const socket = connect(Number(url.port), url.hostname);
  socket.on("error", () => undefined); // the server may reset: that is an allowed outcome here
  const frames: RawConnection["frames"] = [];
  let buf = Buffer.alloc(0);
  let upgraded = false;
  const handshake = new Promise<void>((resolve, reject) => {
    socket.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (!upgraded) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        if (!/^HTTP\/1\.1 101/.test(head)) return reject(new Error(`handshake refused: ${head.split("\r\n")[0]}`));
        upgraded = true;
        buf = buf.subarray(end + 4);
        resolve();
      }
      // Server frames are unmasked; payloads here are small (close frames, JSON errors).
      while (buf.length >= 2) {
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        }
        if (buf.length < off + len) return;
        frames.push({ opcode: buf[0] & 0x0f, payload: buf.subarray(off, off + len) });
        buf = buf.subarray(off + len);
      }
    });
  });
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.write(
    `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await handshake;
  return { socket, frames, closed };
}

const closeCode = (c: RawConnection) => {
  const close = c.frames.find((f) => f.opcode === 0x8);
  return close && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : undefined;
};

describe("the host's WebSocket server cannot be crashed by input (raw frames on a TCP socket to a real host)", () => {
  const t = tempDir();
  let host: HostProcess;
  // A crash follows the bad frame by a few milliseconds: look a little later.
  const alive = async () => {
    await new Promise((r) => setTimeout(r, 300));
    expect(host.proc.exitCode, host.output()).toBeNull();
  };

  beforeAll(async () => {
    host = await startHostProcess(t.dir);
    writeFileSync(join(t.dir, "bucket", "cafeteria.txt"), "The cafeteria opens at eight in the morning.\n\nLunch is served from noon.");
    await waitFor(async () => (await api(host.url, "GET", "/documents")).body.counts.indexed === 1, "document indexed");
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
    t.cleanup();
  });

  it("a frame over the size limit closes that connection with 1009", async () => {
    const c = await rawConnect(host.wsUrl);
    // The header alone announces 1 MiB; the server must refuse on the length, before buffering it.
    c.socket.write(frame(TEXT, Buffer.alloc(1024, 0x61), { declaredLength: 1024 * 1024 }));
    await c.closed;
    expect(closeCode(c)).toBe(1009);
    await alive();
  });

  it("a complete frame just over 64 KiB closes with 1009", async () => {
    const c = await rawConnect(host.wsUrl);
    c.socket.write(frame(TEXT, Buffer.alloc(64 * 1024 + 1, 0x61)));
    await c.closed;
    expect(closeCode(c)).toBe(1009);
    await alive();
  });

  it("a text frame with invalid UTF-8 closes with 1007", async () => {
    const c = await rawConnect(host.wsUrl);
    c.socket.write(frame(TEXT, Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0x7d])));
    await c.closed;
    expect(closeCode(c)).toBe(1007);
    await alive();
  });

  it("a reserved opcode, RSV bits without an extension, or an unmasked client frame close with 1002", async () => {
    for (const bad of [
      frame(0x3, Buffer.from("x")),
      frame(0xb, Buffer.from("x")),
      frame(TEXT, Buffer.from("{}"), { rsv: 0b100 }),
      frame(TEXT, Buffer.from("{}"), { masked: false }),
    ]) {
      const c = await rawConnect(host.wsUrl);
      c.socket.write(bad);
      await c.closed;
      expect(closeCode(c)).toBe(1002);
    }
    await alive();
  });

  it("a non-JSON, binary or unknown-action frame answers an error frame and keeps the connection", async () => {
    const c = await rawConnect(host.wsUrl);
    c.socket.write(frame(TEXT, Buffer.from("hello, not json")));
    c.socket.write(frame(0x2, Buffer.from([1, 2, 3])));
    c.socket.write(frame(TEXT, Buffer.from(JSON.stringify({ action: "drop-tables" }))));
    c.socket.write(frame(TEXT, Buffer.from(JSON.stringify({ action: "subscribe", jobId: "not-a-uuid" }))));
    await waitFor(() => c.frames.filter((f) => f.opcode === TEXT).length >= 4, "four error frames", 10_000);
    const errors = c.frames.filter((f) => f.opcode === TEXT).map((f) => JSON.parse(f.payload.toString()));
    expect(errors.map((e) => [e.type, e.error.code])).toEqual([
      ["error", "invalid_request"],
      ["error", "invalid_request"],
      ["error", "invalid_request"],
      ["error", "invalid_request"],
    ]);
    expect(c.socket.destroyed).toBe(false);
    c.socket.destroy();
    await alive();
  });

  it("clients that vanish mid-handshake or mid-frame (TCP reset) do not reach the process", async () => {
    const url = new URL(host.wsUrl);
    for (let i = 0; i < 5; i++) {
      // Half an upgrade request, then a reset.
      const half = connect(Number(url.port), url.hostname);
      half.on("error", () => undefined);
      await new Promise<void>((resolve, reject) => {
        half.once("connect", resolve);
        half.once("error", reject);
      });
      half.write(`GET /ws HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n`);
      half.resetAndDestroy();
      // Half a frame after the handshake, then a reset.
      const c = await rawConnect(host.wsUrl);
      c.socket.write(frame(TEXT, Buffer.alloc(4000, 0x61)).subarray(0, 1000));
      c.socket.resetAndDestroy();
    }
    await alive();
  });

  it("after all of that, the same host still serves a normal client a job to its end, and a reconnect after done gets done again", async () => {
    const submit = await api(host.url, "POST", "/queries", { question: "When does the cafeteria open?" });
    expect(submit.status).toBe(202);
    const frames = await followJob(host.wsUrl, submit.body.jobId);
    const done = frames.at(-1)!;
    expect(done.type).toBe("done");
    // A client that already holds every event (afterSeq = the done event's seq) reconnects: it must not wait forever.
    const again = await followJob(host.wsUrl, submit.body.jobId, done.seq, 5_000);
    expect(again.map((f) => [f.type, f.seq])).toEqual([["done", done.seq]]);
    await alive();
  });
});
