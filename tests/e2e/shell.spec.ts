import { expect, expectAccessible, test } from "./fixtures";

test.describe("layout shell", () => {
  for (const [lang, heading] of [
    ["en", "Open appeals"],
    ["ru", "Открытые обращения"],
    ["kk", "Ашық үндеулер"],
  ] as const) {
    test(`home page in ${lang}`, async ({ page }) => {
      const external: string[] = [];
      page.on("request", (req) => {
        const url = new URL(req.url());
        if (!["127.0.0.1", "localhost"].includes(url.hostname) && url.protocol !== "data:") external.push(req.url());
      });
      await page.goto(`/?lang=${lang}`);
      await expect(page.locator("html")).toHaveAttribute("lang", lang);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(heading);
      await expectAccessible(page);
      expect(external).toEqual([]);
    });
  }

  test("the language switcher changes the language and remembers it", async ({ page }) => {
    await page.goto("/?lang=en");
    await page.getByRole("link", { name: "Қазақша" }).click();
    await expect(page.locator("html")).toHaveAttribute("lang", "kk");
    await page.goto("/");
    await expect(page.locator("html")).toHaveAttribute("lang", "kk");
  });

  test("Accept-Language picks the language on a first visit", async ({ browser, baseURL }) => {
    const context = await browser.newContext({ locale: "ru-RU", baseURL });
    const page = await context.newPage();
    await page.goto("/");
    await expect(page.locator("html")).toHaveAttribute("lang", "ru");
    await context.close();
  });

  test("unknown pages, bad language codes and broken URLs get clear pages in the user's language", async ({ page, request }) => {
    const notFound = await page.goto("/no/such/page?lang=ru");
    expect(notFound?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Страница не найдена");
    await expectAccessible(page);

    const badLang = await page.goto("/?lang=xx");
    expect(badLang?.status()).toBe(400);
    await expect(page.locator("html")).toHaveAttribute("lang", "ru");
    await expect(page.getByRole("alert")).toContainText("«xx»");

    const malformed = await request.get("/%E0%A4%A", { headers: { "Accept-Language": "kk" } });
    expect(malformed.status()).toBe(400);
    expect(await malformed.text()).toContain("Сұрауды түсіну мүмкін болмады");

    // A path the router would read as another host, or with control characters (found by the fuzz test).
    for (const path of ["//%5C%09..%2F..%2Fetc%2Fpasswd", "/%00", "/appeals/%0d%0aX"]) {
      const odd = await request.get(`${new URL(page.url()).origin}${path}`, { headers: { "Accept-Language": "ru" } });
      expect(odd.status(), path).toBe(400);
    }

    const brokenCookie = await request.get("/", { headers: { Cookie: "lang=%%%zz; __session=garbage" } });
    expect(brokenCookie.status()).toBe(200);
  });
});
