/** fontkit ships no types: the one call made outside pdfkit (script-fonts.server.ts). */
declare module "fontkit" {
  export function create(buffer: Buffer): unknown;
}

/** bidi-js ships no types: the calls shaped-text.server.ts makes. */
declare module "bidi-js" {
  export interface EmbeddingLevels {
    levels: Uint8Array;
    paragraphs: { start: number; end: number; level: number }[];
  }
  export interface Bidi {
    getEmbeddingLevels(text: string, direction?: "ltr" | "rtl" | "auto"): EmbeddingLevels;
    getReorderSegments(text: string, levels: EmbeddingLevels, start?: number, end?: number): [number, number][];
    /** Takes the levels array (`EmbeddingLevels.levels`), not the result object: given the object it finds nothing to mirror. */
    getMirroredCharactersMap(text: string, levels: Uint8Array, start?: number, end?: number): Map<number, string>;
    getBidiCharTypeName(ch: string): string;
  }
  export default function bidiFactory(): Bidi;
}
