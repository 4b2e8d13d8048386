import { expect, test } from "@playwright/test";
import { mailSamples } from "../fixtures/emails";

/**
 * Every kind of e-mail's HTML, in en/ru/kk, as a phone shows it (375 px): nothing wider than the
 * screen, so no sideways scrolling — long links, names and titles wrap.
 */
test.use({ viewport: { width: 375, height: 740 }, javaScriptEnabled: false });

const samples = mailSamples();

test("no e-mail scrolls sideways on a 375 px screen", async ({ page }, testInfo) => {
  const overflowing: string[] = [];
  for (const s of samples) {
    await page.setContent(s.mail.html, { waitUntil: "load" });
    const { scrollWidth, clientWidth } = await page.evaluate(() => {
      const el = document.scrollingElement ?? document.documentElement;
      return { scrollWidth: el.scrollWidth, clientWidth: el.clientWidth };
    });
    if (scrollWidth > clientWidth) overflowing.push(`${s.kind}.${s.lang}: ${scrollWidth} > ${clientWidth}`);
    if (s.kind === "update" && s.lang === "kk") await page.screenshot({ path: testInfo.outputPath("update-kk-375.png"), fullPage: true });
  }
  expect(overflowing).toEqual([]);
});
