import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as fontkit from "fontkit";
import type { FontkitFont } from "./pdfkit-internals.server";

/**
 * The fonts letters draw scripts in that DejaVu Sans (the letter's own font: Latin, Cyrillic,
 * Greek, Armenian, Georgian) does not cover, or covers without the shaping they need.
 *
 *   family       scripts                                         npm package (Noto, TTF, pinned)
 *   arabic       Arabic, Persian, Uyghur, Urdu… (Arabic script)   @expo-google-fonts/noto-sans-arabic
 *   hebrew       Hebrew                                           @expo-google-fonts/noto-sans-hebrew
 *   cjk          Han (simplified and traditional), Kana, Bopomofo @expo-google-fonts/noto-sans-sc
 *   korean       Hangul                                           @expo-google-fonts/noto-sans-kr
 *   devanagari   Devanagari                                       @expo-google-fonts/noto-sans-devanagari
 *   thai         Thai                                             @expo-google-fonts/noto-sans-thai
 *
 * Noto Sans SC draws traditional characters and Kana too (checked: 陳 張 黃 鄭 麗 臺, Japanese
 * kokuji 畑 込 峠, やまだ ヤマダ), so one CJK font serves Chinese and Japanese names; it has no
 * Hangul, hence Noto Sans KR. Only regular and bold are used (names, headings).
 *
 * Nothing is read until a letter needs it: a family's file is read once per process on first
 * use (the CJK file is 10 MB), and embedded as a subset of the glyphs drawn (pdfkit/fontkit
 * subset TrueType fonts). Which characters a family draws is asked of a process-wide parse of
 * the regular face (coverage does not depend on what was drawn before); the fonts a letter
 * draws with are parsed per render (see registerFont in pdfkit-internals.server.ts for why).
 */

export type ScriptFamily = "arabic" | "hebrew" | "cjk" | "korean" | "devanagari" | "thai";
export type Weight = "regular" | "bold";

export const SCRIPT_FAMILIES: readonly ScriptFamily[] = ["arabic", "hebrew", "cjk", "korean", "devanagari", "thai"];

const PACKAGES: Record<ScriptFamily, { pkg: string; file: string }> = {
  arabic: { pkg: "@expo-google-fonts/noto-sans-arabic", file: "NotoSansArabic" },
  hebrew: { pkg: "@expo-google-fonts/noto-sans-hebrew", file: "NotoSansHebrew" },
  cjk: { pkg: "@expo-google-fonts/noto-sans-sc", file: "NotoSansSC" },
  korean: { pkg: "@expo-google-fonts/noto-sans-kr", file: "NotoSansKR" },
  devanagari: { pkg: "@expo-google-fonts/noto-sans-devanagari", file: "NotoSansDevanagari" },
  thai: { pkg: "@expo-google-fonts/noto-sans-thai", file: "NotoSansThai" },
};

const WEIGHT_DIRS: Record<Weight, string> = { regular: "400Regular", bold: "700Bold" };

/** The script family a code point belongs to, or null (DejaVu's scripts, Common, Inherited, or none we bundle). */
const FAMILY_OF: [RegExp, ScriptFamily][] = [
  [/\p{Script=Arabic}/u, "arabic"],
  [/\p{Script=Hebrew}/u, "hebrew"],
  [/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}]/u, "cjk"],
  [/\p{Script=Hangul}/u, "korean"],
  [/\p{Script=Devanagari}/u, "devanagari"],
  [/\p{Script=Thai}/u, "thai"],
];

export function scriptFamilyOf(codePoint: number): ScriptFamily | null {
  const ch = String.fromCodePoint(codePoint);
  for (const [re, family] of FAMILY_OF) if (re.test(ch)) return family;
  return null;
}

const require = createRequire(import.meta.url);

/** The TTF file of a family's weight, resolved in node_modules. */
export function fontFile(family: ScriptFamily, weight: Weight): string {
  const { pkg, file } = PACKAGES[family];
  const dir = path.dirname(require.resolve(`${pkg}/package.json`));
  return path.join(dir, WEIGHT_DIRS[weight], `${file}_${WEIGHT_DIRS[weight]}.ttf`);
}

const bytes = new Map<string, Buffer>();

/** A family's TTF bytes, read once per process on first use. */
export function fontBytes(family: ScriptFamily, weight: Weight): Buffer {
  const key = `${family}-${weight}`;
  let b = bytes.get(key);
  if (!b) {
    b = fs.readFileSync(fontFile(family, weight));
    bytes.set(key, b);
  }
  return b;
}

const coverage = new Map<ScriptFamily, FontkitFont>();

/** Whether `family` (regular and bold) draws `codePoint`. */
export function familyCovers(family: ScriptFamily, codePoint: number): boolean {
  let font = coverage.get(family);
  if (!font) {
    font = fontkit.create(fontBytes(family, "regular")) as unknown as FontkitFont;
    coverage.set(family, font);
  }
  return font.hasGlyphForCodePoint(codePoint);
}
