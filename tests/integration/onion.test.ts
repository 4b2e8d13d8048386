import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { newOrganization } from "../fixtures/organizers";
import { publishedAppeal, signForm, startHarness, tokenIn, unique, type Harness } from "./support/harness";

/**
 * ONION_URL, against the built app started as `npm start` starts it: every answer (pages, error
 * pages, static files) tells Tor Browser the same address on the onion service, and with
 * MAIL_LINKS=onion the e-mailed links point there while the clear-web link, printed beside each,
 * still works. A form posted from the onion address is not taken for a cross-site one.
 */
const ONION = "http://appealsxkqp5g3rz2wqfkd7jvm4qy6b5xjqk2hfmxq3t7v2xw6lbdmhyd.onion";

describe("ONION_URL", () => {
  let h: Harness;
  let appeal: { id: number; slug: string };

  beforeAll(async () => {
    h = await startHarness({ ONION_URL: `${ONION}/`, MAIL_LINKS: "onion" });
    appeal = await publishedAppeal(await newOrganization("Onion NGO"));
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  it("every answer sends Onion-Location with the same path and query: pages, the page cache, error pages, static files", async () => {
    const paths = [
      "/",
      "/?lang=kk",
      `/appeals/${appeal.slug}?lang=ru`,
      `/appeals/${appeal.slug}?lang=ru`, // the page cache's copy
      "/privacy",
      "/verify?code=7K3Q-9XWD-M2PA",
      "/no/such/page",
      "/%E0%A4%A",
      "/favicon.ico",
    ];
    for (const p of paths) {
      const res = await fetch(`${h.url}${p}`, { redirect: "manual" });
      await res.arrayBuffer();
      expect(res.headers.get("onion-location"), p).toBe(`${ONION}${p}`);
    }
  });

  it("MAIL_LINKS=onion: the confirmation e-mail's links go to the onion service, each followed by its clear-web twin, which still works", async () => {
    const email = `${unique("onion")}@example.org`;
    const signed = await fetch(`${h.url}/appeals/${appeal.slug}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: signForm({ name: "Onion Signer", email }),
      redirect: "manual",
    });
    expect(signed.status).toBe(303);
    const mail = await h.sink.waitFor((m) => m.to.includes(email) && m.text.includes("/s/confirm/"));
    const token = tokenIn(mail.text, "confirm");
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain(`${ONION}/s/confirm/${token}?lang=en`);
      expect(body).toContain(`${h.url}/s/confirm/${token}?lang=en`);
      expect(body).toContain(`${ONION}/s/withdraw/`);
    }
    // The button is the onion link; the clear-web link follows it, in words a reader understands.
    expect(mail.html.indexOf(`href="${ONION}/s/confirm/`)).toBeLessThan(mail.html.indexOf(`href="${h.url}/s/confirm/`));
    expect(mail.text).toContain(`Without Tor Browser: the same link on the ordinary web: ${h.url}/s/confirm/${token}?lang=en`);

    // The clear-web link is usable: the page opens and its button confirms.
    const page = await fetch(`${h.url}/s/confirm/${token}?lang=en`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Confirm my signature");
    const confirmed = await fetch(`${h.url}/s/confirm/${token}`, { method: "POST", redirect: "manual" });
    expect(confirmed.status).toBe(303);
  });

  it("a form posted from the onion address is ours, whatever Host the proxy passes on; another site's is still refused", async () => {
    const post = (origin: string) =>
      fetch(`${h.url}/my-data`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: origin, "Sec-Fetch-Site": "same-origin" },
        body: new URLSearchParams({ email: `${unique("onion-data")}@example.org` }).toString(),
        redirect: "manual",
      });
    expect((await post(ONION)).status).toBeLessThan(400);
    expect((await post("http://someoneelse3xkqp5g3rz2wqfkd7jvm4qy6b5xjqk2hfmxq3t7v2xw6lbd.onion")).status).toBe(403);
  });
});
