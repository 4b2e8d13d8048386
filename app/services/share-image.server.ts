import crypto from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { renderAsync } from "@resvg/resvg-js";
import * as fontkit from "fontkit";
import type { FontkitFont } from "../pdf/pdfkit-internals.server";
import { familyCovers, fontFile, scriptFamilyOf, type ScriptFamily, type Weight } from "../pdf/script-fonts.server";
import { wrapText } from "../pdf/wrap";
import { escapeXml } from "../utils/xml";

/**
 * The appeal's share image (og:image, 1200 × 630 PNG): organization, title and count, drawn from
 * an SVG by resvg (@resvg/resvg-js, Rust, no system fonts) with the fonts the letters use —
 * DejaVu Sans for Latin, Cyrillic (Kazakh's letters too), Greek…, and the Noto family of each
 * other script the text holds (app/pdf/script-fonts.server.ts), shaped and in bidi order by resvg.
 *
 * Images are kept in memory per drawn input — appeal, version, and the count rounded down to two
 * significant digits (countBucket) — at most MAX_ENTRIES of them, least recently used dropped
 * first; a render runs on libuv's thread pool (renderAsync), off the event loop.
 */
export const WIDTH = 1200;
export const HEIGHT = 630;
const MARGIN = 80;
const TEXT_WIDTH = WIDTH - 2 * MARGIN;
const MAX_ENTRIES = 200;
const FAMILY_NAMES: Record<ScriptFamily, string> = {
  arabic: "Noto Sans Arabic",
  hebrew: "Noto Sans Hebrew",
  cjk: "Noto Sans SC",
  korean: "Noto Sans KR",
  devanagari: "Noto Sans Devanagari",
  thai: "Noto Sans Thai",
};

const require = createRequire(import.meta.url);
const dejavuFile = (weight: Weight) =>
  path.join(path.dirname(require.resolve("dejavu-fonts-ttf/package.json")), "ttf", weight === "bold" ? "DejaVuSans-Bold.ttf" : "DejaVuSans.ttf");

const parsed = new Map<string, FontkitFont>();
function fontkitFont(file: string): FontkitFont {
  let font = parsed.get(file);
  if (!font) {
    font = fontkit.create(fs.readFileSync(file)) as unknown as FontkitFont;
    parsed.set(file, font);
  }
  return font;
}

/** The script families `text` needs beyond DejaVu. */
function familiesOf(text: string): ScriptFamily[] {
  const found = new Set<ScriptFamily>();
  for (const ch of text) {
    const family = scriptFamilyOf(ch.codePointAt(0) ?? 0);
    if (family) found.add(family);
  }
  return [...found];
}

/** A width estimate in px: each character's advance in its font (no kerning; shaping changes Arabic widths a little). */
function measurer(weight: Weight, size: number): (text: string) => number {
  const dejavu = fontkitFont(dejavuFile(weight));
  return (text) => {
    let units = 0;
    for (const ch of text) {
      const cp = ch.codePointAt(0) ?? 0;
      const family = scriptFamilyOf(cp);
      const font = family && familyCovers(family, cp) ? fontkitFont(fontFile(family, weight)) : dejavu;
      units += (font.glyphForCodePoint(cp).advanceWidth / font.unitsPerEm) * size;
    }
    return units;
  };
}

/** The title in as few lines as fit, largest size first; cut with an ellipsis at the smallest size. */
function fitTitle(title: string, top: number, bottom: number): { size: number; lines: string[] } {
  const clean = title.replace(/\s+/g, " ").trim();
  for (const size of [68, 60, 52, 46]) {
    const lines = wrapText(clean, measurer("bold", size), TEXT_WIDTH);
    const room = Math.floor((bottom - top) / (size * 1.2));
    if (lines.length <= room) return { size, lines };
    if (size === 46) {
      const kept = lines.slice(0, room);
      kept[room - 1] = `${kept[room - 1]!.replace(/[\s\p{P}]*$/u, "")}…`;
      return { size, lines: kept };
    }
  }
  return { size: 46, lines: [clean] };
}

export interface ShareImageInput {
  title: string;
  organization: string;
  count: string;
  host: string;
  lang: string;
  rtl: boolean;
}

export function shareImageSvg(input: ShareImageInput): string {
  // The script's own font first (as letters draw Arabic with Noto Sans Arabic), DejaVu for the rest.
  const families = familiesOf(`${input.title}${input.organization}${input.count}`);
  const fontFamily = escapeXml([...families.map((f) => FAMILY_NAMES[f]), "DejaVu Sans"].map((f) => `'${f}'`).join(", "));
  const { size, lines } = fitTitle(input.title, 170, 480);
  const x = input.rtl ? WIDTH - MARGIN : MARGIN;
  const anchor = input.rtl ? "end" : "start";
  const lineHeight = size * 1.2;
  const title = lines
    .map((line, i) => `<text x="${x}" y="${Math.round(170 + size + i * lineHeight)}" font-size="${size}" font-weight="bold">${escapeXml(line)}</text>`)
    .join("");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" xml:lang="${escapeXml(input.lang)}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#1d4e89"/>`,
    `<rect y="${HEIGHT - 150}" width="${WIDTH}" height="150" fill="#143a66"/>`,
    `<g font-family="${fontFamily}" fill="#ffffff" text-anchor="${anchor}">`,
    `<text x="${x}" y="${MARGIN + 22}" font-size="32" fill="#c9d7ea">${escapeXml(input.organization)}</text>`,
    title,
    `<text x="${x}" y="${HEIGHT - 55}" font-size="56" font-weight="bold">${escapeXml(input.count)}</text>`,
    `<text x="${input.rtl ? MARGIN : WIDTH - MARGIN}" y="${HEIGHT - 60}" font-size="26" fill="#c9d7ea" text-anchor="${input.rtl ? "start" : "end"}">${escapeXml(input.host)}</text>`,
    `</g>`,
    `</svg>`,
  ].join("");
}

/** The PNG of a share image: resvg with DejaVu and the script fonts the text needs, nothing from the system. */
export async function renderShareImage(input: ShareImageInput): Promise<Buffer> {
  const families = familiesOf(`${input.title}${input.organization}${input.count}`);
  const fontFiles = [dejavuFile("regular"), dejavuFile("bold"), ...families.flatMap((f) => [fontFile(f, "regular"), fontFile(f, "bold")])];
  const image = await renderAsync(shareImageSvg(input), {
    font: { loadSystemFonts: false, fontFiles, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
    fitTo: { mode: "original" },
    logLevel: "off",
  });
  return image.asPng();
}

const cache = new Map<string, Promise<Buffer>>();

/** The PNG for this input, from memory when drawn before ("hit"), else drawn now ("miss"). */
export async function cachedShareImage(appealId: number, input: ShareImageInput): Promise<{ png: Buffer; etag: string; hit: boolean }> {
  const digest = crypto.createHash("sha256").update(JSON.stringify(input)).digest("base64url").slice(0, 22);
  const key = `${appealId}:${digest}`;
  let entry = cache.get(key);
  const hit = entry !== undefined;
  if (entry) {
    cache.delete(key); // most recently used last
  } else {
    entry = renderShareImage(input);
    entry.catch(() => cache.delete(key));
    while (cache.size >= MAX_ENTRIES) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      cache.delete(oldest);
    }
  }
  cache.set(key, entry);
  return { png: await entry, etag: `"${digest}"`, hit };
}
