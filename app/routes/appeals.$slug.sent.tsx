import type { MetaFunction } from "@remix-run/node";
import { Link, useParams } from "@remix-run/react";
import { useT } from "~/i18n/react";
import { titleMeta } from "~/utils/meta";

export const meta: MetaFunction = ({ matches }) => [...titleMeta(matches, "sent.title"), { name: "robots", content: "noindex" }];

/** "Check your e-mail": the same page whatever the address was (no enumeration). */
export default function Sent() {
  const { t } = useT();
  const { slug } = useParams();
  return (
    <div className="narrow">
      <h1>{t("sent.title")}</h1>
      <p className="notice" role="status">{t("sent.text")}</p>
      <p className="hint">{t("sent.noMail")}</p>
      <p>
        <Link to={`/appeals/${slug}`}>{t("sent.back")}</Link>
      </p>
    </div>
  );
}
