/**
 * Greedy line breaking at word boundaries (Intl.Segmenter: spaces, and between Chinese, Japanese
 * or Thai words by ICU's dictionaries); a word wider than the line breaks between graphemes.
 * Each piece is measured once and widths are summed, so it is linear in the text.
 */
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const words = new Intl.Segmenter(undefined, { granularity: "word" });

export function wrapText(text: string, measure: (piece: string) => number, width: number): string[] {
  const pieces: { text: string; width: number; space: boolean }[] = [];
  for (const { segment } of words.segment(text)) {
    const space = segment.trim() === "";
    const w = measure(segment);
    if (w <= width || space) {
      pieces.push({ text: segment, width: w, space });
      continue;
    }
    for (const { segment: g } of graphemes.segment(segment)) pieces.push({ text: g, width: measure(g), space: false });
  }
  const lines: string[] = [];
  let line = "";
  let used = 0;
  for (const piece of pieces) {
    if (piece.space) {
      if (line !== "") {
        line += piece.text;
        used += piece.width;
      }
      continue;
    }
    if (line !== "" && used + piece.width > width) {
      lines.push(line.trim());
      line = "";
      used = 0;
    }
    line += piece.text;
    used += piece.width;
  }
  if (line.trim() !== "") lines.push(line.trim());
  return lines;
}
