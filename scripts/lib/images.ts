import zlib from "node:zlib";

/**
 * The site's raster images, drawn from the design of public/favicon.svg (a white envelope on a
 * blue rounded square, 32 × 32 units) by plain code, so that the same code always gives the
 * same pixels: public/favicon.ico (16, 32 and 48 px) and public/og.png (the 1200 × 630 image
 * link previews show). `npx tsx scripts/make-images.ts` writes them; scripts/lib/images.test.ts checks that the
 * committed files are what this code draws.
 */

export interface Raster {
  width: number;
  height: number;
  /** RGBA, row by row from the top, not premultiplied. */
  rgba: Uint8Array;
}

type Rgba = readonly [number, number, number, number];
type Point = readonly [number, number];

const BRAND: Rgba = [0x1d, 0x4e, 0x89, 255];
const BRAND_DARK: Rgba = [0x14, 0x3a, 0x66, 255];
const WHITE: Rgba = [255, 255, 255, 255];

/** The envelope's flap: M7 10 l9 7 9-7, stroke-width 2, butt caps, mitred join. */
const FLAP: Point[] = [
  [7, 10],
  [16, 17],
  [25, 10],
];
const HALF_STROKE = 1;

function inRoundedSquare(x: number, y: number): boolean {
  // <rect width="32" height="32" rx="6">
  if (x < 0 || y < 0 || x > 32 || y > 32) return false;
  const cx = Math.min(Math.max(x, 6), 26);
  const cy = Math.min(Math.max(y, 6), 26);
  return (x - cx) ** 2 + (y - cy) ** 2 <= 36;
}

function onSegment(x: number, y: number, a: Point, b: Point): boolean {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const t = ((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy);
  if (t < 0 || t > 1) return false;
  const px = a[0] + t * dx - x;
  const py = a[1] + t * dy - y;
  return px * px + py * py <= HALF_STROKE * HALF_STROKE;
}

function inConvex(x: number, y: number, polygon: Point[]): boolean {
  let sign = 0;
  for (let i = 0; i < polygon.length; i++) {
    const a = polygon[i] ?? [0, 0];
    const b = polygon[(i + 1) % polygon.length] ?? [0, 0];
    const cross = (b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0]);
    if (cross === 0) continue;
    if (sign === 0) sign = Math.sign(cross);
    else if (Math.sign(cross) !== sign) return false;
  }
  return true;
}

/** The outer corner of the flap's join, filled as SVG's default miter join fills it. */
const MITER: Point[] = (() => {
  const [a, b, c] = FLAP as [Point, Point, Point];
  const unit = (p: Point): Point => {
    const l = Math.hypot(p[0], p[1]);
    return [p[0] / l, p[1] / l];
  };
  const d1 = unit([b[0] - a[0], b[1] - a[1]]);
  const d2 = unit([c[0] - b[0], c[1] - b[1]]);
  // Normals on the outer side of the bend (below it: y grows downwards).
  const n1: Point = d1[1] > 0 ? [-d1[1], d1[0]] : [d1[1], -d1[0]];
  const n2: Point = d2[1] < 0 ? [-d2[1], d2[0]] : [d2[1], -d2[0]];
  const m = unit([n1[0] + n2[0], n1[1] + n2[1]]);
  const reach = HALF_STROKE / (m[0] * n1[0] + m[1] * n1[1]);
  return [
    b,
    [b[0] + n1[0] * HALF_STROKE, b[1] + n1[1] * HALF_STROKE],
    [b[0] + m[0] * reach, b[1] + m[1] * reach],
    [b[0] + n2[0] * HALF_STROKE, b[1] + n2[1] * HALF_STROKE],
  ];
})();

/** The icon's colour at (x, y) in its 32-unit space; null where it is transparent. */
function iconAt(x: number, y: number): Rgba | null {
  if (!inRoundedSquare(x, y)) return null;
  const [a, b, c] = FLAP as [Point, Point, Point];
  if (onSegment(x, y, a, b) || onSegment(x, y, b, c) || inConvex(x, y, MITER)) return BRAND;
  if (x >= 7 && x <= 25 && y >= 10 && y <= 23) return WHITE;
  return BRAND;
}

/**
 * Draws `scene` (a colour or null at each point of a `units`-wide square) into a square of
 * `size` pixels at (left, top) of `target`, averaging `samples`² points per pixel, over what
 * the target already holds.
 */
function draw(target: Raster, scene: (x: number, y: number) => Rgba | null, units: number, size: number, left: number, top: number, samples = 4): void {
  const scale = units / size;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const colour = scene((px + (sx + 0.5) / samples) * scale, (py + (sy + 0.5) / samples) * scale);
          if (!colour) continue;
          r += colour[0] * colour[3];
          g += colour[1] * colour[3];
          b += colour[2] * colour[3];
          a += colour[3];
        }
      }
      const n = samples * samples;
      const o = ((top + py) * target.width + left + px) * 4;
      // Premultiplied average of the samples, then "source over" what is below.
      const srcA = a / n / 255;
      const dstA = (target.rgba[o + 3] ?? 0) / 255;
      const outA = srcA + dstA * (1 - srcA);
      for (let i = 0; i < 3; i++) {
        const src = [r, g, b][i] ?? 0;
        const mixed = src / n / 255 / 255 + ((target.rgba[o + i] ?? 0) / 255) * dstA * (1 - srcA);
        target.rgba[o + i] = outA === 0 ? 0 : Math.round((mixed / outA) * 255);
      }
      target.rgba[o + 3] = Math.round(outA * 255);
    }
  }
}

function blank(width: number, height: number, fill?: Rgba): Raster {
  const rgba = new Uint8Array(width * height * 4);
  if (fill) for (let i = 0; i < rgba.length; i += 4) rgba.set(fill, i);
  return { width, height, rgba };
}

/** The icon at `size` × `size` pixels, transparent around the rounded square. */
export function icon(size: number): Raster {
  const raster = blank(size, size);
  draw(raster, iconAt, 32, size, 0, 0, 8);
  return raster;
}

/** The link-preview image: the icon, large, centred on the brand's dark blue (1200 × 630). */
export function shareImage(): Raster {
  const raster = blank(1200, 630, BRAND_DARK);
  const size = 420;
  draw(raster, iconAt, 32, size, (1200 - size) / 2, (630 - size) / 2, 4);
  return raster;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** The scanlines a PNG compresses: each row of RGBA preceded by its filter byte (0, none). */
export function scanlines(raster: Raster): Buffer {
  const row = raster.width * 4;
  const out = Buffer.alloc((row + 1) * raster.height);
  for (let y = 0; y < raster.height; y++) out.set(raster.rgba.subarray(y * row, (y + 1) * row), y * (row + 1) + 1);
  return out;
}

/** A PNG file: 8-bit RGBA, no interlacing, no metadata (no dates: same pixels, same bytes). */
export function png(raster: Raster): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(raster.width, 0);
  header.writeUInt32BE(raster.height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", zlib.deflateSync(scanlines(raster), { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** The decompressed scanlines of a PNG written by png() (one IDAT chunk). */
export function pngScanlines(file: Buffer): { width: number; height: number; data: Buffer } {
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < file.length) {
    const length = file.readUInt32BE(offset);
    const type = file.toString("ascii", offset + 4, offset + 8);
    const data = file.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
    }
    if (type === "IDAT") idat.push(data);
    offset += 12 + length;
  }
  return { width, height, data: zlib.inflateSync(Buffer.concat(idat)) };
}

/**
 * A Windows icon file with one 32-bit BMP image per raster (the form every browser and
 * operating system reads): BITMAPINFOHEADER, BGRA rows bottom-up, then the 1-bit AND mask.
 */
export function ico(rasters: Raster[]): Buffer {
  const images = rasters.map((r) => {
    const maskRow = Math.ceil(r.width / 32) * 4;
    const header = Buffer.alloc(40);
    header.writeUInt32LE(40, 0);
    header.writeInt32LE(r.width, 4);
    header.writeInt32LE(r.height * 2, 8);
    header.writeUInt16LE(1, 12);
    header.writeUInt16LE(32, 14);
    header.writeUInt32LE(r.width * r.height * 4 + maskRow * r.height, 20);
    const pixels = Buffer.alloc(r.width * r.height * 4);
    const mask = Buffer.alloc(maskRow * r.height);
    for (let y = 0; y < r.height; y++) {
      const row = r.height - 1 - y;
      for (let x = 0; x < r.width; x++) {
        const i = (y * r.width + x) * 4;
        const o = (row * r.width + x) * 4;
        pixels[o] = r.rgba[i + 2] ?? 0;
        pixels[o + 1] = r.rgba[i + 1] ?? 0;
        pixels[o + 2] = r.rgba[i] ?? 0;
        pixels[o + 3] = r.rgba[i + 3] ?? 0;
        if ((r.rgba[i + 3] ?? 0) === 0) mask[row * maskRow + (x >> 3)] = (mask[row * maskRow + (x >> 3)] ?? 0) | (0x80 >> (x & 7));
      }
    }
    return { raster: r, data: Buffer.concat([header, pixels, mask]) };
  });
  const dir = Buffer.alloc(6 + 16 * images.length);
  dir.writeUInt16LE(0, 0);
  dir.writeUInt16LE(1, 2);
  dir.writeUInt16LE(images.length, 4);
  let offset = dir.length;
  images.forEach(({ raster, data }, i) => {
    const e = 6 + 16 * i;
    dir.writeUInt8(raster.width >= 256 ? 0 : raster.width, e);
    dir.writeUInt8(raster.height >= 256 ? 0 : raster.height, e + 1);
    dir.writeUInt16LE(1, e + 4);
    dir.writeUInt16LE(32, e + 6);
    dir.writeUInt32LE(data.length, e + 8);
    dir.writeUInt32LE(offset, e + 12);
    offset += data.length;
  });
  return Buffer.concat([dir, ...images.map((i) => i.data)]);
}

/** The sizes in public/favicon.ico. */
export const ICON_SIZES = [16, 32, 48];

export const faviconIco = () => ico(ICON_SIZES.map(icon));
export const ogPng = () => png(shareImage());
