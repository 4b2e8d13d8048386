import { GeneralErrorBoundary } from "~/components/error-boundary";

/** Any unknown path: a 404 page in the user's language, inside the normal layout. */
export async function loader() {
  throw new Response(null, { status: 404 });
}

export default function NotFound() {
  return null;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
