import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { currentUser, endAllSessions, endSession } from "~/services/session.server";

export async function loader() {
  return redirect("/");
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  if (form.get("everywhere") === "1") {
    const user = await currentUser(request);
    if (user) await endAllSessions(user.id);
  }
  return endSession(request);
}
