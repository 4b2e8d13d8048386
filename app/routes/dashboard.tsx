import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Outlet } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { requireUser } from "~/services/session.server";

/** Everything under /dashboard needs a signed-in organizer; pages are never cached. */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  return json(null, { headers: { "Cache-Control": "no-store" } });
}

export default function DashboardLayout() {
  return <Outlet />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
