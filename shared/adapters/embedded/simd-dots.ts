// Dot products of one query with every row of a vector slab, four floats at a time (WebAssembly
// SIMD, in Node since 16): about 3x V8's unrolled scalar loop here. The slab's floats live in the
// module's own memory, followed by room for the query and one score per row, so a search copies
// only the query in. Where WebAssembly SIMD is missing, or the width is not a multiple of 4, the
// caller keeps its JavaScript loop.

// The module, spelled out opcode by opcode (no toolchain needed; `WebAssembly.validate` in the tests):
//   (func (export "dots") (param $data $query $rows $dims $out i32) (local $i $j $row $bytes i32) (local $acc v128)
//     for each row: acc = 0; for j in 0..dims step 4: acc += row[j..j+4] * query[j..j+4]; out[i] = sum of acc's lanes)
const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  get: 0x20,
  set: 0x21,
  tee: 0x22,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  f32Add: 0x92,
  f32Store: 0x38,
  simd: 0xfd,
};
const simd = { load: [0x00], const: [0x0c], extractLaneF32: [0x1f], addF32x4: [0xe4, 0x01], mulF32x4: [0xe6, 0x01] };
const [DATA, QUERY, ROWS, DIMS, OUT, I, J, ROW, BYTES, ACC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const EMPTY_BLOCK = 0x40;

function body(): number[] {
  const laneSum = [0, 1, 2, 3].flatMap((lane) => [op.get, ACC, op.simd, ...simd.extractLaneF32, lane, ...(lane ? [op.f32Add] : [])]);
  return [
    ...[op.get, DIMS, op.i32Const, 4, op.i32Mul, op.set, BYTES],
    ...[op.get, DATA, op.set, ROW],
    ...[op.block, EMPTY_BLOCK, op.loop, EMPTY_BLOCK],
    ...[op.get, I, op.get, ROWS, op.i32GeU, op.brIf, 1],
    ...[op.simd, ...simd.const, ...new Array(16).fill(0), op.set, ACC],
    ...[op.i32Const, 0, op.set, J],
    ...[op.loop, EMPTY_BLOCK],
    ...[op.get, ACC],
    ...[op.get, ROW, op.get, J, op.i32Add, op.simd, ...simd.load, 2, 0],
    ...[op.get, QUERY, op.get, J, op.i32Add, op.simd, ...simd.load, 2, 0],
    ...[op.simd, ...simd.mulF32x4, op.simd, ...simd.addF32x4, op.set, ACC],
    ...[op.get, J, op.i32Const, 16, op.i32Add, op.tee, J, op.get, BYTES, op.i32LtU, op.brIf, 0],
    op.end,
    ...[op.get, OUT, op.get, I, op.i32Const, 4, op.i32Mul, op.i32Add, ...laneSum, op.f32Store, 2, 0],
    ...[op.get, ROW, op.get, BYTES, op.i32Add, op.set, ROW],
    ...[op.get, I, op.i32Const, 1, op.i32Add, op.set, I],
    ...[op.br, 0, op.end, op.end],
  ];
}

const bytesOf = (s: string) => [...Buffer.from(s)];
const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** The module's bytes (exported for the tests' validation). */
export function dotsModuleBytes(): Uint8Array {
  const code = [2, 4, I32, 1, V128, ...body(), 0x0b]; // two local groups (4 x i32, 1 x v128), the body, its end
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]),
    ...section(2, [1, 3, ...bytesOf("env"), 3, ...bytesOf("mem"), 0x02, 0x00, 0x00]),
    ...section(3, [1, 0]),
    ...section(7, [1, 4, ...bytesOf("dots"), 0x00, 0]),
    ...section(10, [1, ...uleb(code.length), ...code]),
  ]);
}

// The few WebAssembly calls used, typed here: the project's lib has no DOM, and @types/node declares
// the WebAssembly namespace's types but not its values.
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE = 65536;
/** Below this many rows a plain array serves: fast enough, and no WebAssembly memory (each reserves address space) per small slab. */
export const SIMD_MIN_ROWS = 2048;
const MAX_PAGES = 65536; // wasm32: 4 GiB
let compiled: object | null | undefined;
function module(): object | null {
  if (compiled === undefined) {
    const bytes = dotsModuleBytes();
    compiled = wasm?.validate(bytes) ? new wasm.Module(bytes) : null;
  }
  return compiled;
}

interface SlabMemory {
  dots: (data: number, query: number, rows: number, dims: number, out: number) => void;
  buffer: ArrayBuffer;
  rows: number;
  dims: number;
}
const memories = new WeakMap<ArrayBuffer, SlabMemory>();

/**
 * Room for `rows` vectors of `dims` floats: in a WebAssembly memory that `simdDots` can score, or a
 * plain Float32Array where SIMD cannot serve (no support, width not a multiple of 4, over 4 GiB) or need not (few rows).
 */
export function allocateVectors(rows: number, dims: number): Float32Array {
  const mod = dims % 4 === 0 && rows >= SIMD_MIN_ROWS ? module() : null;
  const pages = Math.ceil(((rows * dims + dims + rows) * 4) / PAGE) || 1;
  if (!mod || !wasm || pages > MAX_PAGES) return new Float32Array(rows * dims);
  const memory = new wasm.Memory({ initial: pages });
  const instance = new wasm.Instance(mod, { env: { mem: memory } });
  memories.set(memory.buffer, { dots: instance.exports.dots as SlabMemory["dots"], buffer: memory.buffer, rows, dims });
  return new Float32Array(memory.buffer, 0, rows * dims);
}

/**
 * The dot product of `query` with each of the first `rows` vectors of `data`, or undefined when
 * `data` was not allocated by `allocateVectors` for SIMD (the caller then computes them itself).
 * The scores are a view valid until the next call on the same slab.
 */
export function simdDots(data: Float32Array, dims: number, rows: number, query: Float32Array): Float32Array | undefined {
  const m = memories.get(data.buffer as ArrayBuffer);
  if (!m || m.dims !== dims || data.byteOffset !== 0 || rows > m.rows || query.length !== dims) return undefined;
  const queryAt = m.rows * dims * 4;
  const outAt = queryAt + dims * 4;
  new Float32Array(m.buffer, queryAt, dims).set(query);
  m.dots(0, queryAt, rows, dims, outAt);
  return new Float32Array(m.buffer, outAt, rows);
}
