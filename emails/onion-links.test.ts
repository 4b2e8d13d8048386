import { afterEach, describe, expect, it } from "vitest";
import { env, parseEnv, setEnv } from "../app/utils/env.server";
import { onionLocation } from "../server/http";
import { deliveryEmail } from "./delivery";
import { viaOnion, type EmailContent } from "./layout";
import { myDataEmail } from "./my-data";
import { approvedEmail, inviteEmail, loginEmail, registerEmail } from "./organizer";
import { receiptEmail } from "./receipt";
import { alreadySignedEmail, confirmEmail } from "./signing";
import { updateEmail } from "./update";

/**
 * ONION_URL and MAIL_LINKS: the setting is validated, pages name their onion twin, e-mail links
 * go to the onion service with the clear-web link beside each; and every e-mail, with the
 * setting on or off, fetches nothing from anywhere (no image, style sheet, font or form).
 */
const APP = "https://appeals.example.org";
const ONION = "http://appealsxkqp5g3rz2wqfkd7jvm4qy6b5xjqk2hfmxq3t7v2xw6lbdmhyd.onion";
const LANGS = ["en", "ru", "kk"] as const;

const before = env();
afterEach(() => setEnv(before));

function everyEmail(lang: (typeof LANGS)[number]): Array<[string, EmailContent]> {
  const title = "Free the journalists";
  return [
    [
      "confirm",
      confirmEmail(lang, {
        name: "Zofia",
        title,
        days: 7,
        confirmUrl: `${APP}/s/confirm/T?lang=${lang}`,
        rejectUrl: `${APP}/s/reject/T`,
        withdrawUrl: `${APP}/s/withdraw/T`,
      }),
    ],
    ["already", alreadySignedEmail(lang, { title, withdrawUrl: `${APP}/s/withdraw/T` })],
    ["login", loginEmail(lang, `${APP}/login/t/T?lang=${lang}`)],
    ["invite", inviteEmail(lang, "Coalition", `${APP}/login`)],
    ["register", registerEmail(lang, "Coalition", `${APP}/register/t/T`)],
    ["approved", approvedEmail(lang, "Coalition", `${APP}/login`)],
    [
      "update",
      updateEmail(lang, { kind: "update", appealTitle: title, title: "News", body: "See https://example.org/x.png", pageUrl: `${APP}/appeals/x#updates` }),
    ],
    ["receipt", receiptEmail(lang, { title, receipt: "appeals-receipt:1:x:0:AQ", verifyUrl: `${APP}/verify` })],
    ["my-data", myDataEmail(lang, "someone@mail.example", [])],
    [
      "delivery",
      deliveryEmail(lang, {
        addressee: "The Minister",
        organization: "Coalition",
        contact: "press@coalition.example",
        title,
        count: 12,
        code: "7K3Q-9XWD-M2PA",
        verifyUrl: `${APP}/verify/7K3Q-9XWD-M2PA`,
        downloadUrl: `${APP}/letters/C.pdf?sig=S`,
        documents: [],
        documentLinks: [{ name: "video.mp4", url: `${APP}/d/1` }],
        signerFingerprint: null,
      }),
    ],
  ];
}

/** What in an e-mail's HTML a mail client would fetch (or send a form to). */
const FETCHING = [
  /<(img|script|iframe|frame|embed|object|link|video|audio|source|form|base|svg)\b/i,
  /\s(src|srcset|background|poster|action|formaction|ping|data)\s*=/i,
  /url\s*\(/i,
  /@import/i,
];

describe("ONION_URL and MAIL_LINKS", () => {
  it.each([
    [{ ONION_URL: "appeals.onion" }, "ONION_URL must be an http:// or https:// URL whose host ends in .onion"],
    [{ ONION_URL: "https://appeals.example.org" }, "ONION_URL must be an http:// or https:// URL whose host ends in .onion"],
    [{ ONION_URL: "ftp://abc.onion" }, "ONION_URL must be an http:// or https:// URL whose host ends in .onion"],
    [{ ONION_URL: `${ONION}/appeals` }, "ONION_URL must be an http:// or https:// URL whose host ends in .onion, with no path"],
    [{ ONION_URL: `${ONION}/?x=1` }, "ONION_URL must be an http:// or https:// URL whose host ends in .onion, with no path"],
    [{ ONION_URL: "http://example.onion.evil.example" }, "ONION_URL must be an http:// or https:// URL whose host ends in .onion"],
    [{ MAIL_LINKS: "tor" }, 'MAIL_LINKS must be "clear" or "onion"'],
    [{ MAIL_LINKS: "onion" }, "MAIL_LINKS is onion but ONION_URL is not set"],
  ])("a bad setting stops the start with one line naming it: %j", (input, message) => {
    expect(() => parseEnv(input)).toThrowError(`Invalid configuration: ${message}`);
  });

  it("a good one is taken (a trailing slash dropped); unset, nothing changes", () => {
    expect(parseEnv({ ONION_URL: `${ONION}/`, MAIL_LINKS: "onion" })).toMatchObject({ ONION_URL: ONION, MAIL_LINKS: "onion" });
    expect(parseEnv({ ONION_URL: "https://www.abc.onion" }).ONION_URL).toBe("https://www.abc.onion");
    expect(parseEnv({}).ONION_URL).toBeUndefined();
    expect(parseEnv({}).MAIL_LINKS).toBe("clear");
  });

  it("Onion-Location: ONION_URL followed by the path and query as asked; nothing without ONION_URL", () => {
    expect(onionLocation("/appeals/x?lang=kk&after=AbC", ONION)).toBe(`${ONION}/appeals/x?lang=kk&after=AbC`);
    expect(onionLocation("/", ONION)).toBe(`${ONION}/`);
    expect(onionLocation("/%D0%B0", ONION)).toBe(`${ONION}/%D0%B0`);
    expect(onionLocation("/", undefined)).toBeNull();
    // Not a path a header can carry as it is.
    expect(onionLocation("/a b", ONION)).toBeNull();
    expect(onionLocation("/\u0430", ONION)).toBeNull();
  });

  it("MAIL_LINKS=clear (the default): every e-mail as before, links to APP_URL only", () => {
    setEnv(parseEnv({ ...process.env, APP_URL: APP, ONION_URL: ONION }));
    for (const lang of LANGS) for (const [name, mail] of everyEmail(lang)) expect(`${mail.html}\n${mail.text}`, `${lang} ${name}`).not.toContain(".onion");
  });

  it("MAIL_LINKS=onion: each button and link goes to the onion service, its clear-web twin follows in the reader's language", () => {
    setEnv(parseEnv({ ...process.env, APP_URL: APP, ONION_URL: ONION, MAIL_LINKS: "onion" }));
    const twin = {
      en: "Without Tor Browser: the same link on the ordinary web",
      ru: "Без Tor Browser: та же ссылка в обычном интернете",
      kk: "Tor Browser болмаса: сол сілтеме кәдімгі интернетте",
    };
    for (const lang of LANGS) {
      const mail = confirmEmail(lang, {
        name: "Zofia",
        title: "T",
        days: 7,
        confirmUrl: `${APP}/s/confirm/T?lang=${lang}`,
        rejectUrl: `${APP}/s/reject/T`,
        withdrawUrl: `${APP}/s/withdraw/T`,
      });
      for (const path of [`/s/confirm/T?lang=${lang}`, "/s/reject/T", "/s/withdraw/T"]) {
        expect(mail.html).toContain(`href="${ONION}${path.replace("&", "&amp;")}"`);
        expect(mail.html).toContain(`href="${APP}${path}"`);
        expect(mail.html.indexOf(`${ONION}${path}`)).toBeLessThan(mail.html.indexOf(`${APP}${path}`));
        expect(mail.text).toContain(`${twin[lang]}: ${APP}${path}`);
      }
    }
    // Links elsewhere (not the app) and paragraphs are left as they are; the update's unsubscribe link is made later, on the clear web.
    const blocks = viaOnion([{ link: { label: "x", url: "https://example.org/a" } }, { p: `${APP}/verify` }], "en", {
      MAIL_LINKS: "onion",
      ONION_URL: ONION,
      APP_URL: APP,
    });
    expect(blocks).toEqual([{ link: { label: "x", url: "https://example.org/a" } }, { p: `${APP}/verify` }]);
  });

  it("every e-mail, links on the clear web or the onion service, in every language: nothing a mail client would fetch", () => {
    for (const setting of [{}, { ONION_URL: ONION, MAIL_LINKS: "onion" }]) {
      setEnv(parseEnv({ ...process.env, APP_URL: APP, ...setting }));
      for (const lang of LANGS) {
        for (const [name, mail] of everyEmail(lang)) {
          for (const pattern of FETCHING) expect(mail.html, `${lang} ${name} ${JSON.stringify(setting)}: ${pattern}`).not.toMatch(pattern);
        }
      }
    }
  });
});
