import { createCookieSessionStorage, redirect } from "@remix-run/node";
import { getDb } from "../../db/client";
import { findUserById } from "../../db/queries/organizations";
import { env } from "../utils/env.server";

type SessionData = { userId: number; sv: number };

let storage: ReturnType<typeof createCookieSessionStorage<SessionData>> | undefined;

/** Signed cookie sessions: httpOnly, SameSite=Lax, Secure in production. */
export function sessionStorage() {
  const config = env();
  storage ??= createCookieSessionStorage<SessionData>({
    cookie: {
      name: "__session",
      httpOnly: true,
      sameSite: "lax",
      path: "/",
      secure: config.NODE_ENV === "production",
      secrets: [config.SESSION_SECRET],
      maxAge: 60 * 60 * 24 * 30,
    },
  });
  return storage;
}

export interface CurrentUser {
  id: number;
  email: string;
  name: string | null;
}

/**
 * The signed-in organizer, or null. A session is valid while its version matches the
 * user's: "sign out everywhere" bumps the version. A tampered or foreign cookie is ignored.
 */
export async function currentUser(request: Request): Promise<CurrentUser | null> {
  let session;
  try {
    session = await sessionStorage().getSession(request.headers.get("Cookie"));
  } catch {
    return null;
  }
  const userId = session.get("userId");
  const sv = session.get("sv");
  if (typeof userId !== "number" || typeof sv !== "number") return null;
  const user = await findUserById(getDb(), userId);
  if (!user || user.session_version !== sv) return null;
  return { id: user.id, email: user.email, name: user.name };
}

export async function requireUser(request: Request): Promise<CurrentUser> {
  const user = await currentUser(request);
  if (!user) {
    const url = new URL(request.url);
    throw redirect(`/login?next=${encodeURIComponent(url.pathname)}`);
  }
  return user;
}

export async function startSession(userId: number, sessionVersion: number, next: string) {
  const s = sessionStorage();
  const session = await s.getSession();
  session.set("userId", userId);
  session.set("sv", sessionVersion);
  return redirect(next, { headers: { "Set-Cookie": await s.commitSession(session) } });
}

export async function endSession(request: Request) {
  const s = sessionStorage();
  const session = await s.getSession(request.headers.get("Cookie")).catch(() => s.getSession());
  return redirect("/", { headers: { "Set-Cookie": await s.destroySession(session) } });
}

/**
 * Only same-site relative paths are accepted as a post-login destination. Backslashes and
 * control characters are refused anywhere: browsers drop or turn them into "/" ("/\t/evil.example").
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || /[\u0000-\u001f\u007f\\]/.test(next)) return "/dashboard";
  return next;
}
