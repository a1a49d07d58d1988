import { inflateSync } from "node:zlib";

// Low-resolution scans (faxes, ~100 dpi) are read much better by Tesseract when upsampled to ~300 dpi, and
// no image tool is installed to do that. pdftoppm is: so the image is wrapped, bytes unchanged, into a one-page
// PDF (JPEG as DCTDecode, PNG's IDAT data as FlateDecode with the PNG predictor, as img2pdf does) and
// rendered at the OCR resolution. Formats that cannot be wrapped verbatim return undefined.

export interface ImageInfo {
  width: number;
  height: number;
}

/** The image's pixel size, for PNG and JPEG; undefined for other formats. */
export function imageSize(body: Buffer): ImageInfo | undefined {
  return pngInfo(body) ?? jpegInfo(body);
}

/** A one-page PDF showing the image as a US-letter-wide page, or undefined when it cannot be wrapped. */
export function imageToPdf(body: Buffer): Buffer | undefined {
  const png = pngInfo(body);
  if (png) return png.wrappable ? pdf(png, pngXObject(png)) : undefined;
  const jpeg = jpegInfo(body);
  if (jpeg && jpeg.components !== 4) {
    const cs = jpeg.components === 1 ? "/DeviceGray" : "/DeviceRGB";
    return pdf(jpeg, { dict: `/ColorSpace ${cs} /BitsPerComponent 8 /Filter /DCTDecode`, data: body });
  }
  return undefined;
}

interface Png extends ImageInfo {
  bitDepth: number;
  colorType: number;
  wrappable: boolean;
  idat: Buffer;
  palette?: Buffer;
}

function pngInfo(b: Buffer): Png | undefined {
  if (b.length < 33 || b.toString("latin1", 1, 4) !== "PNG") return undefined;
  const idat: Buffer[] = [];
  let palette: Buffer | undefined;
  let ihdr: Buffer | undefined;
  for (let p = 8; p + 8 <= b.length; ) {
    const len = b.readUInt32BE(p);
    const type = b.toString("latin1", p + 4, p + 8);
    const data = b.subarray(p + 8, p + 8 + len);
    if (type === "IHDR") ihdr = data;
    else if (type === "PLTE") palette = data;
    else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    p += 12 + len;
  }
  if (!ihdr || ihdr.length < 13) return undefined;
  const bitDepth = ihdr[8];
  const colorType = ihdr[9];
  const interlaced = ihdr[12] !== 0;
  // Gray, RGB and palette images without alpha or interlacing map to PDF image streams as they are.
  const wrappable = !interlaced && bitDepth <= 8 && (colorType === 0 || colorType === 2 || (colorType === 3 && !!palette));
  return { width: ihdr.readUInt32BE(0), height: ihdr.readUInt32BE(4), bitDepth, colorType, wrappable, idat: Buffer.concat(idat), palette };
}

function pngXObject(png: Png): { dict: string; data: Buffer } {
  const colors = png.colorType === 2 ? 3 : 1;
  const cs =
    png.colorType === 0
      ? "/DeviceGray"
      : png.colorType === 2
        ? "/DeviceRGB"
        : `[/Indexed /DeviceRGB ${png.palette!.length / 3 - 1} <${png.palette!.toString("hex")}>]`;
  // Validate the stream inflates before handing it on (a damaged PNG fails here, not in poppler).
  inflateSync(png.idat, { maxOutputLength: 512 * 1024 * 1024 });
  return {
    dict: `/ColorSpace ${cs} /BitsPerComponent ${png.bitDepth} /Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors ${colors} /BitsPerComponent ${png.bitDepth} /Columns ${png.width} >>`,
    data: png.idat,
  };
}

function jpegInfo(b: Buffer): (ImageInfo & { components: number }) | undefined {
  if (b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  for (let p = 2; p + 9 < b.length; ) {
    if (b[p] !== 0xff) return undefined;
    const marker = b[p + 1];
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      p += 2;
      continue;
    }
    const len = b.readUInt16BE(p + 2);
    // SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: b.readUInt16BE(p + 5), width: b.readUInt16BE(p + 7), components: b[p + 9] };
    }
    p += 2 + len;
  }
  return undefined;
}

function pdf(size: ImageInfo, image: { dict: string; data: Buffer }): Buffer {
  // The page is 8.5 in wide whatever the pixel count, so rendering at N dpi gives a letter page at N dpi.
  const w = 612;
  const h = Math.round((612 * size.height) / size.width);
  const content = `q ${w} 0 0 ${h} 0 0 cm /Im0 Do Q`;
  const objects: (string | Buffer)[] = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w} ${h}] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>`,
    Buffer.concat([
      Buffer.from(`<< /Type /XObject /Subtype /Image /Width ${size.width} /Height ${size.height} ${image.dict} /Length ${image.data.length} >>\nstream\n`),
      image.data,
      Buffer.from("\nendstream"),
    ]),
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
  ];
  const parts: Buffer[] = [Buffer.from("%PDF-1.4\n")];
  const offsets: number[] = [];
  let at = parts[0].length;
  objects.forEach((o, i) => {
    const buf = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), Buffer.isBuffer(o) ? o : Buffer.from(o), Buffer.from("\nendobj\n")]);
    offsets.push(at);
    parts.push(buf);
    at += buf.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`, ...offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`)].join("");
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${at}\n%%EOF\n`));
  return Buffer.concat(parts);
}
