import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../setup/vitest-db";
import { addAddressee, createAppeal, saveVersion } from "../../app/services/appeals.server";
import { getDb } from "../../db/client";
import { findUserByEmail } from "../../db/queries/organizations";
import { uniqueEmail } from "../fixtures/organizers";
import { startHarness, type Harness } from "./support/harness";

/**
 * Issue 17 item 6, "Start without an operator": ORG_REGISTRATION. An organization registers at
 * /register; its owner opens the e-mailed one-time link (received at the SMTP sink the app
 * delivers to) and is signed in as its owner — active at once with "open", pending with
 * "approval" until `npm run org:approve`, and a pending organization cannot publish; "closed"
 * (the default) has no such page. Neither the address nor the token reaches the log.
 */
const FORM = { "Content-Type": "application/x-www-form-urlencoded" };
const TOKEN = /\/register\/t\/([A-Za-z0-9_-]{43})/;

async function post(h: Harness, path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.url}${path}`, {
    method: "POST",
    headers: { ...FORM, ...headers },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
  return {
    status: res.status,
    location: res.headers.get("location"),
    cookie: res.headers.get("set-cookie"),
    retryAfter: res.headers.get("retry-after"),
    html: await res.text(),
  };
}

async function register(h: Harness, fields: { name: string; email: string; description?: string }, lang = "ru", client = "198.51.100.1") {
  return post(h, `/register?lang=${lang}`, { description: "", ...fields }, { "X-Forwarded-For": client });
}

async function linkFor(h: Harness, email: string): Promise<{ token: string; subject: string; text: string }> {
  const mail = await h.sink.waitFor((m) => m.to.includes(email) && TOKEN.test(m.text), 30_000);
  return { token: TOKEN.exec(mail.text)?.[1] ?? "", subject: mail.subject, text: mail.text };
}

/** Opens the link as a browser does: the page (a button, nothing consumed), then the button's POST. */
async function openLink(h: Harness, token: string) {
  const page = await fetch(`${h.url}/register/t/${token}?lang=ru`);
  const shown = await page.text();
  const pressed = await post(h, `/register/t/${token}?lang=ru`, {});
  return { pageStatus: page.status, page: shown, ...pressed };
}

const cookieOf = (setCookie: string | null) => (setCookie ?? "").split(";")[0] ?? "";

async function organizationNamed(name: string) {
  return getDb().selectFrom("organizations").selectAll().where("name", "=", name).executeTakeFirst();
}

function npmRun(script: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", script, ...(args.length ? ["--", ...args] : [])], {
      env: { ...process.env, NODE_ENV: "development", SMTP_URL: "", LOG_REQUESTS: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("ORG_REGISTRATION=open", () => {
  let h: Harness;
  const secrets: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ ORG_REGISTRATION: "open", LOG_REQUESTS: "1", LOGIN_LIMIT_PER_ADDRESS: "3", LOGIN_LIMIT_PER_IP: "8", REFUSAL_HOLD_MS: "0" });
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  it("registers, verifies by mail, signs the owner in as the owner of an active organization; the link works once", async () => {
    const page = await fetch(`${h.url}/register?lang=kk`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Ұйымды тіркеу");
    expect(html).not.toContain("мақұлдайды"); // no approval note in "open" mode
    const login = await (await fetch(`${h.url}/login?lang=ru`)).text();
    expect(login).toContain('href="/register"');

    const email = uniqueEmail("founder");
    const name = "Таза ауа қоғамы";
    const sent = await register(h, { name, email, description: "Алматының ауасы үшін.\nЕкінші жол." }, "kk");
    expect(sent.status).toBe(200);
    expect(sent.html).toContain("Сілтеме осы мекенжайға жіберілді");
    expect(sent.html).not.toContain(email);

    const { token, subject, text } = await linkFor(h, email);
    secrets.push(email, token);
    expect(subject).toContain(name);
    expect(text).toContain("60 минут");
    // At rest: the address sealed, the token only as its hash.
    const stored = await getDb().selectFrom("org_registrations").selectAll().where("name", "=", name).executeTakeFirstOrThrow();
    expect(stored.email).not.toContain(email);
    expect(stored.email?.startsWith("s1:")).toBe(true);
    expect(stored.token_hash.toString("base64url")).not.toBe(token);
    // Opening the link creates nothing; pressing the button does.
    const before = await fetch(`${h.url}/register/t/${token}?lang=ru`);
    expect(before.status).toBe(200);
    expect(before.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await before.text()).toContain("Создать организацию");
    expect(await organizationNamed(name)).toBeUndefined();

    const done = await openLink(h, token);
    expect(done.status).toBe(302);
    expect(done.location).toBe("/dashboard");
    expect(done.cookie).toMatch(/^__session=/);
    const org = await organizationNamed(name);
    expect(org).toMatchObject({ status: "active", description: "Алматының ауасы үшін.\nЕкінші жол.", registered_lang: "kk" });
    const user = await findUserByEmail(getDb(), email);
    const membership = await getDb().selectFrom("memberships").selectAll().where("organization_id", "=", org!.id).executeTakeFirstOrThrow();
    expect(membership).toMatchObject({ user_id: user!.id, role: "owner" });
    // The registration keeps nothing of the owner once used.
    const used = await getDb().selectFrom("org_registrations").selectAll().where("id", "=", stored.id).executeTakeFirstOrThrow();
    expect(used).toMatchObject({ email: null, name: "", description: null });
    expect(used.used_at).not.toBeNull();

    const dashboard = await fetch(`${h.url}/dashboard?lang=ru`, { headers: { Cookie: cookieOf(done.cookie) } });
    expect(dashboard.status).toBe(200);
    const dash = await dashboard.text();
    expect(dash).toContain(name);
    expect(dash).not.toContain("ждёт одобрения");

    // Once only.
    const again = await openLink(h, token);
    expect(again.page).toContain("Эта ссылка уже использована");
    expect(again.status).toBe(410);
    expect(again.cookie ?? "").not.toContain("__session=");
    expect((await getDb().selectFrom("organizations").select("id").where("name", "=", name).execute()).length).toBe(1);
  });

  it("a new appeal's address left empty is made from its Kazakh or Russian title, unique", async () => {
    const email = uniqueEmail("slugs");
    await register(h, { name: "Slug NGO", email }, "ru", "198.51.100.2");
    const { token } = await linkFor(h, email);
    secrets.push(email, token);
    const done = await openLink(h, token);
    const cookie = cookieOf(done.cookie);
    const org = await organizationNamed("Slug NGO");
    const create = (title: string, slug = "") =>
      post(h, "/dashboard?index&lang=kk", { organizationId: String(org!.id), title, slug, originalLanguage: "kk" }, { Cookie: cookie });
    const first = await create("Қалалық саябақты сақтаңыз");
    expect(first.status).toBe(302);
    const slugOf = async (location: string | null) =>
      (
        await getDb()
          .selectFrom("appeals")
          .select("slug")
          .where("id", "=", Number(location?.split("/").pop()))
          .executeTakeFirstOrThrow()
      ).slug;
    expect(await slugOf(first.location)).toBe("qalalyq-sayabaqty-saqtanyz");
    const second = await create("Қалалық саябақты сақтаңыз");
    expect(await slugOf(second.location)).toBe("qalalyq-sayabaqty-saqtanyz-2");
    expect(await slugOf((await create("Чистый воздух для Шымкента")).location)).toBe("chistyi-vozdukh-dlya-shymkenta");
    // An address typed by the organizer is theirs, and checked as before.
    expect(await slugOf((await create("Таза ауа", "taza-aua-2027")).location)).toBe("taza-aua-2027");
    const bad = await create("Таза ауа", "Таза ауа");
    expect(bad.status).toBe(400);
    expect(bad.html).toContain("Таза ауа"); // what was typed is kept
    const taken = await create("Басқа", "taza-aua-2027");
    expect(taken.status).toBe(409);
  });

  it("answers a wrong form in the reader's language and keeps what was typed; never 500", async () => {
    const r = await register(h, { name: "", email: "not-an-address", description: "Біз туралы" }, "kk", "198.51.100.3");
    expect(r.status).toBe(400);
    expect(r.html).toContain("Біз туралы");
    expect(r.html).toContain("not-an-address");
    expect(r.html).toMatch(/aria-invalid="true"/);
    const long = await register(h, { name: "X".repeat(201), email: uniqueEmail("long"), description: "D".repeat(501) }, "ru", "198.51.100.3");
    expect(long.status).toBe(400);
    const broken = await register(h, { name: "Line\nbreak", email: uniqueEmail("lb") }, "en", "198.51.100.3");
    expect(broken.status).toBe(400);
    for (const token of ["x", "A".repeat(43), "%zz", "a".repeat(500)]) {
      const res = await fetch(`${h.url}/register/t/${token}`);
      expect(res.status, token).toBeLessThan(500);
      const pressed = await post(h, `/register/t/${token}`, {});
      expect(pressed.status, token).toBeGreaterThanOrEqual(400);
      expect(pressed.status, token).toBeLessThan(500);
    }
  });

  it("limits mails per address and requests per client as /login does", async () => {
    const email = uniqueEmail("flood");
    secrets.push(email);
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await register(h, { name: `Flood ${i}`, email }, "ru", "198.51.100.40"));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429, 429]);
    expect(answers[3]?.html).toContain("Мы уже отправили ссылку на этот адрес");
    expect(Number(answers[3]?.retryAfter)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 2000));
    expect(h.sink.messages.filter((m) => m.to.includes(email))).toHaveLength(3);

    // One client, many addresses: past LOGIN_LIMIT_PER_IP, "too many requests", the form kept.
    const statuses = [];
    let last = { status: 0, html: "" };
    for (let i = 0; i < 9; i++) {
      last = await register(h, { name: "Кто-то", email: uniqueEmail(`c${i}`) }, "ru", "198.51.100.41");
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 8)).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
    expect(last.status).toBe(429);
    expect(last.html).toContain("слишком много запросов");
    expect(last.html).toContain("Кто-то");
    // Sign-in requests share the budget (both mail an address on a stranger's request).
    const login = await post(h, "/login?lang=ru", { email: uniqueEmail("l") }, { "X-Forwarded-For": "198.51.100.41" });
    expect(login.status).toBe(429);
  });

  it("writes no address and no token in its log", () => {
    const log = h.app.output();
    expect(log).toContain("/register");
    for (const secret of secrets) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/@example\.org/);
  });
});

describe("ORG_REGISTRATION=approval", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ ORG_REGISTRATION: "approval", LOG_REQUESTS: "1" });
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  it("the owner prepares appeals at once; publishing waits for `npm run org:approve`, whose e-mail tells the owner", async () => {
    const page = await (await fetch(`${h.url}/register?lang=ru`)).text();
    expect(page).toContain("Новые организации одобряет оператор сайта");
    const email = uniqueEmail("pending");
    const name = "Общество чистого воздуха";
    await register(h, { name, email, description: "Мониторинг воздуха в Алматы." });
    const { token } = await linkFor(h, email);
    const done = await openLink(h, token);
    expect(done.status).toBe(302);
    const cookie = cookieOf(done.cookie);
    const org = await organizationNamed(name);
    expect(org).toMatchObject({ status: "pending", approved_at: null });
    const dash = await (await fetch(`${h.url}/dashboard?lang=ru`, { headers: { Cookie: cookie } })).text();
    expect(dash).toContain("ждёт одобрения оператора сайта");

    // A complete draft, refused publication while pending.
    const user = await findUserByEmail(getDb(), email);
    const id = await createAppeal(user!.id, { organizationId: org!.id, slug: null, originalLanguage: "ru", title: "Чистый воздух" });
    await saveVersion(id, user!.id, "ru", { title: "Чистый воздух", summary: "", body: "Просим." });
    await addAddressee(id, user!.id, null, { ru: { name: "Министр", position: "", institution: "" } });
    const publish = () => post(h, `/dashboard/appeals/${id}?index&lang=ru`, { _intent: "publish", baseRevision: "0" }, { Cookie: cookie });
    const refused = await publish();
    expect(refused.status).toBe(409);
    expect(refused.html).toContain("Организация ждёт одобрения оператора сайта");
    expect((await getDb().selectFrom("appeals").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status).toBe("draft");

    // The operator's cue in the log: the number, no name, no address.
    expect(h.app.output()).toMatch(new RegExp(`organization #${org!.id} registered and waits for approval: npm run org:approve`));
    expect(h.app.output()).not.toContain(email);
    expect(h.app.output()).not.toContain(token);

    const env = { DATABASE_URL: process.env.DATABASE_URL ?? "", DATA_DIR: h.dataDir };
    const list = await npmRun("org:approve", [], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(`#${org!.id}  `);
    expect(list.stdout).toContain(name);
    expect(list.stdout).toContain("    Мониторинг воздуха в Алматы.");
    expect(list.stdout).not.toContain(email);
    const approve = await npmRun("org:approve", ["--id", String(org!.id)], env);
    expect(approve.code, approve.stderr).toBe(0);
    expect(approve.stdout).toBe(`Approved organization #${org!.id}: it can publish now; its owners are told by e-mail.\n`);
    const twice = await npmRun("org:approve", ["--id", String(org!.id)], env);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("is not waiting for approval");
    const bad = await npmRun("org:approve", ["--id", "twelve"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split("\n").filter((l) => l.trim() && !l.startsWith("npm "))).toEqual([
      "--id must be an organization's number (as the list shows it). Usage: npm run org:approve [-- --id <organization number>]",
    ]);
    expect((await npmRun("org:approve", [], env)).stdout).toBe("No organization is waiting for approval.\n");

    // The app's outbox sends the approval, in the language the owner registered in.
    const approved = await h.sink.waitFor((m) => m.to.includes(email) && m.subject.includes("одобрена"), 30_000);
    expect(approved.subject).toContain(name);
    expect((await organizationNamed(name))?.status).toBe("active");
    const published = await publish();
    expect(published.status).toBe(200);
    expect((await getDb().selectFrom("appeals").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status).toBe("published");
  }, 120_000);
});

describe("ORG_REGISTRATION=closed (the default)", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({});
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  it("has no register page, link or form, and sends nothing", async () => {
    // The file's database is shared with the modes above: count what this test adds.
    const rowsBefore = (await getDb().selectFrom("org_registrations").select("id").execute()).length;
    const page = await fetch(`${h.url}/register?lang=ru`);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain("Страница не найдена");
    const email = uniqueEmail("closed");
    const posted = await register(h, { name: "Closed NGO", email });
    expect(posted.status).toBe(404);
    expect((await fetch(`${h.url}/register/t/${"A".repeat(43)}`)).status).toBe(404);
    expect((await post(h, `/register/t/${"A".repeat(43)}`, {})).status).toBe(404);
    expect(await (await fetch(`${h.url}/login`)).text()).not.toContain('href="/register"');
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.sink.messages.filter((m) => m.to.includes(email))).toHaveLength(0);
    expect(await getDb().selectFrom("org_registrations").select("id").execute()).toHaveLength(rowsBefore);
  });
});
