import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { AppealPage } from "~/components/appeal-page";
import { appealForMember } from "~/services/access.server";
import { previewAppeal } from "~/services/public-appeal.server";
import { requireUser } from "~/services/session.server";
import { loaderError } from "~/utils/action-errors.server";
import { env } from "~/utils/env.server";
import { requestLanguage } from "~/utils/lang.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  try {
    const { appeal } = await appealForMember(Number(params.id), user.id);
    const negotiated = requestLanguage(request);
    const view = await previewAppeal(appeal, negotiated.requested, negotiated.lang);
    return json({ view, pageUrl: `${env().APP_URL}/appeals/${appeal.slug}?lang=${view.lang}` });
  } catch (error) {
    return loaderError(error);
  }
}

export default function Preview() {
  const { view, pageUrl } = useLoaderData<typeof loader>();
  return <AppealPage view={view} pageUrl={pageUrl} basePath={`/dashboard/appeals/${view.id}/preview`} />;
}
