/**
 * A name (or any text someone typed, in any script) put into a translated sentence, between
 * FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE: the plain-text form of <bdi>. An Arabic or
 * Hebrew organization name then takes its direction from its own first letter and leaves the
 * sentence's words and punctuation where they were. Where the name is its own element, use
 * <bdi> instead.
 */
export function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}
