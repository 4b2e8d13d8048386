import { describe, expect, it } from "vitest";
import { deliveryEmail, type DeliveryEmailValues } from "./delivery";
import type { EmailContent } from "./layout";
import { myDataEmail, type HeldSignature } from "./my-data";
import { approvedEmail, inviteEmail, loginEmail, registerEmail } from "./organizer";
import { receiptEmail } from "./receipt";
import { alreadySignedEmail, confirmEmail } from "./signing";
import { updateEmail } from "./update";

/**
 * Every e-mail template in every interface language, with fixed inputs covering each branch
 * (plural forms, attached / linked letters, supporting documents, every signature status and
 * disclosure), rendered to one text file: subject, plain text and HTML, byte for byte (the HTML
 * of one case per kind: the variants of a kind differ only in words, which the text shows).
 * A change of wording shows up here as a diff to review; after an intended change, accept it
 * with `npx vitest run emails/templates.test.ts -u`.
 */

const LANGS = ["en", "ru", "kk"] as const;
const BASE = "https://appeals.example.org";

const row = (over: Partial<HeldSignature>): HeldSignature => ({
  appeal: "Free the journalists <now> & “always”",
  url: `${BASE}/appeals/free-the-journalists`,
  name: "Zofia O'Brien",
  city: "Łódź",
  country: "KZ",
  organization: "Union",
  position: "Editor",
  disclosure: "public",
  keepInformed: true,
  status: "confirmed",
  signedAt: new Date("2026-12-01T09:30:00Z"),
  confirmedAt: "2026-12-03T10:41:00.000Z",
  ...over,
});

const delivery = (over: Partial<DeliveryEmailValues>): DeliveryEmailValues => ({
  addressee: "President of the Parliament",
  organization: "Coalition & Co",
  contact: "press@coalition.example",
  title: "Free the journalists",
  count: 1284,
  code: "7K3Q-9XWD-M2PA",
  verifyUrl: `${BASE}/verify/7K3Q-9XWD-M2PA`,
  downloadUrl: null,
  documents: [],
  documentLinks: [],
  signerFingerprint: "3A:9F:0C:55:12:AB:CD:EF:01:23:45:67:89:AB:CD:EF:FE:DC:BA:98:76:54:32:10:0F:1E:2D:3C:4B:5A:69:78",
  ...over,
});

function cases(lang: (typeof LANGS)[number]): Array<[string, EmailContent]> {
  const title = "Free the journalists <b>now</b> & “always”";
  const confirm = (days: number) =>
    confirmEmail(lang, {
      name: "Zofia O'Brien",
      title,
      days,
      confirmUrl: `${BASE}/s/confirm/T?lang=${lang}`,
      rejectUrl: `${BASE}/s/reject/T`,
      withdrawUrl: `${BASE}/s/withdraw/T`,
    });
  const update = (kind: "update" | "response", l: string = lang) =>
    updateEmail(l, {
      kind,
      appealTitle: title,
      title: "The committee will hear it",
      body: "First paragraph,\nsecond line.\n\n\nSecond paragraph <i>with</i> a link https://example.org/a?b=1&c=2",
      pageUrl: `${BASE}/appeals/x#updates`,
    });
  const out: Array<[string, EmailContent]> = [
    ...[7, 1, 2, 5, 21].map((d): [string, EmailContent] => [`confirm days=${d}`, confirm(d)]),
    ["already", alreadySignedEmail(lang, { title, withdrawUrl: `${BASE}/s/withdraw/T` })],
    ["login", loginEmail(lang, `${BASE}/login/t/T?lang=${lang}`)],
    ["invite", inviteEmail(lang, "Coalition & Co {org}", `${BASE}/login`)],
    ["register", registerEmail(lang, "Coalition & Co {org}", `${BASE}/register/t/T`)],
    ["approved", approvedEmail(lang, "Coalition & Co {org}", `${BASE}/login`)],
    ["update", update("update")],
    ["response", update("response")],
    [
      "my-data rows",
      myDataEmail(lang, "someone@mail.example", [
        row({}),
        row({
          disclosure: "initials",
          status: "pending",
          keepInformed: false,
          confirmedAt: null,
          city: null,
          country: null,
          organization: null,
          position: null,
        }),
        row({ disclosure: "private", status: "withdrawn", country: "PL" }),
        row({ status: "removed", country: "RU" }),
      ]),
    ],
    ["my-data none", myDataEmail(lang, "someone@mail.example", [])],
  ];
  for (const count of [1284, 1, 2, 5, 21, 1234567]) out.push([`delivery attached count=${count}`, deliveryEmail(lang, delivery({ count }))]);
  out.push(
    ["delivery attached with documents", deliveryEmail(lang, delivery({ documents: ["dossier.pdf", "annex.pdf"] }))],
    [
      "delivery-link with documents and links",
      deliveryEmail(
        lang,
        delivery({
          downloadUrl: `${BASE}/letters/C.pdf?sig=S`,
          documents: ["dossier.pdf"],
          documentLinks: [
            { name: "video.mp4", url: `${BASE}/d/1` },
            { name: "scan {code}.pdf", url: `${BASE}/d/2` },
          ],
        }),
      ),
    ],
    ["delivery-link", deliveryEmail(lang, delivery({ downloadUrl: `${BASE}/letters/C.pdf?sig=S` }))],
    // A letter generated before letters were signed: no fingerprint to compare.
    ["delivery unsigned", deliveryEmail(lang, delivery({ signerFingerprint: null }))],
    [
      "receipt",
      receiptEmail(lang, {
        title: "Free the journalists $1",
        receipt: "appeals-receipt:1:free-the-journalists:0:AQ",
        verifyUrl: `${BASE}/verify`,
      }),
    ],
  );
  return out;
}

function render(): string {
  const parts: string[] = [];
  for (const lang of LANGS) {
    const kinds = new Set<string>();
    for (const [name, mail] of cases(lang)) {
      const kind = name.split(" ")[0] ?? name;
      const html = kinds.has(kind) ? "" : `--- html\n${mail.html}\n`;
      kinds.add(kind);
      const headers = "headers" in mail ? `--- headers\n${JSON.stringify(mail.headers)}\n` : "";
      parts.push(`===== ${lang} ${name}\n--- subject\n${mail.subject}\n--- text\n${mail.text}\n${html}${headers}`);
    }
  }
  // An update or a letter in a language without its own e-mail words is sent with the English ones.
  const pl = updateEmail("pl", { kind: "update", appealTitle: "Uwolnić dziennikarzy", title: "Aktualizacja", body: "Treść", pageUrl: `${BASE}/a` });
  const de = deliveryEmail("de", delivery({ count: 3 }));
  parts.push(`===== pl update\n--- subject\n${pl.subject}\n--- text\n${pl.text}\n--- html\n${pl.html}\n`);
  parts.push(`===== de delivery\n--- subject\n${de.subject}\n--- text\n${de.text}\n`);
  return parts.join("\n");
}

describe("e-mail templates", () => {
  it("render every e-mail in every language exactly as recorded", async () => {
    await expect(render()).toMatchFileSnapshot("./__snapshots__/templates.txt");
  });

  it("write an appeal's title as it is, dollar signs included", () => {
    // "$&", "$`" and "$'" are replacement patterns of String.prototype.replace with a string.
    const appealTitle = "Pay teachers $& nurses $`fairly$' $$1";
    for (const lang of LANGS) {
      for (const kind of ["update", "response"] as const) {
        const mail = updateEmail(lang, { kind, appealTitle, title: "T", body: "B", pageUrl: `${BASE}/a` });
        expect(mail.subject).toContain(appealTitle);
        expect(mail.text).toContain(appealTitle);
      }
    }
  });
});
