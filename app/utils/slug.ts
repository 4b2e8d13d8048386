/**
 * The web address (slug) proposed for a new appeal from its title: Cyrillic transliterated to
 * Latin — Russian as in passports (ICAO 9303: ж zh, х kh, ц ts, щ shch, ю yu, я ya) and the
 * Kazakh letters as the 2021 Latin alphabet writes them without diacritics (ә a, ғ g, қ q, ң n,
 * ө o, ұ u, ү u, һ h, і i) — Latin letters with accents without them, everything else a hyphen.
 * The same function runs in the browser (the dashboard proposes the slug as the title is typed)
 * and on the server (a slug left empty), so it is a table, not a library: any-ascii, which the
 * PDFs use for names, weighs 540 KB and writes ғ as "gh" and ң as "ng".
 */
const CYRILLIC: Record<string, string> = {
  а: "a",
  б: "b",
  в: "v",
  г: "g",
  д: "d",
  е: "e",
  ё: "e",
  ж: "zh",
  з: "z",
  и: "i",
  й: "i",
  к: "k",
  л: "l",
  м: "m",
  н: "n",
  о: "o",
  п: "p",
  р: "r",
  с: "s",
  т: "t",
  у: "u",
  ф: "f",
  х: "kh",
  ц: "ts",
  ч: "ch",
  ш: "sh",
  щ: "shch",
  ъ: "",
  ы: "y",
  ь: "",
  э: "e",
  ю: "yu",
  я: "ya",
  // Kazakh
  ә: "a",
  ғ: "g",
  қ: "q",
  ң: "n",
  ө: "o",
  ұ: "u",
  ү: "u",
  һ: "h",
  і: "i",
  // Ukrainian and Belarusian
  є: "ie",
  ї: "i",
  ґ: "g",
  ў: "u",
};

export const SLUG_MAX = 80;
/** What the appeal slug must look like (app/schemas/appeal.ts): 3–80 of a–z, 0–9 and single inner hyphens. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,78})[a-z0-9]$/;

export function isSlug(value: string): boolean {
  return SLUG_PATTERN.test(value) && !value.includes("--");
}

/** The slug proposed for `title` ("" when it has no letter or digit this can write in Latin). */
export function slugify(title: string): string {
  const latin = Array.from(title.toLowerCase().normalize("NFC"), (ch) => CYRILLIC[ch] ?? ch)
    .join("")
    // é → e, ö → o, ç → c: the letter without its marks.
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/ß/g, "ss")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (latin.length <= SLUG_MAX) return latin;
  // Cut at a word's end when there is one in the last third.
  const cut = latin.slice(0, SLUG_MAX);
  const lastHyphen = cut.lastIndexOf("-");
  return (lastHyphen > SLUG_MAX * 0.66 ? cut.slice(0, lastHyphen) : cut).replace(/-+$/, "");
}
