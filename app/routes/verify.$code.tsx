import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { languageName } from "~/i18n";
import { useT } from "~/i18n/react";
import { verifyReceiptSchema } from "~/schemas/receipts";
import { verification } from "~/services/letters.server";
import { checkReceipt, type ReceiptCheck } from "~/services/receipts.server";
import { hashUpload } from "~/services/verify-upload.server";
import { parseForm } from "~/utils/forms";
import { errorTitleMeta, titleMeta } from "~/utils/meta";

export const meta: MetaFunction<typeof loader> = ({ data, matches, error }) => (data ? titleMeta(matches, "verify.title") : errorTitleMeta(matches, error));

export async function loader({ params }: LoaderFunctionArgs) {
  const info = await verification(params.code ?? "");
  if (!info) throw json({ message: null }, { status: 404 });
  return json({ info }, { headers: { "Cache-Control": "public, max-age=60" } });
}

/**
 * Checks an uploaded PDF against the letter: only its one file part is read, hashed as it
 * streams and never kept (app/services/verify-upload.server.ts bounds parts, fields, size and
 * time). A refused form is the same page with the reason, in the reader's language.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  const info = await verification(params.code ?? "");
  if (!info) throw json({ message: null }, { status: 404 });
  if (!(request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data")) return receiptAction(request, params.code ?? "");
  const upload = await hashUpload(request);
  if (!upload.ok) return json({ result: upload.reason }, { status: upload.reason === "tooLarge" ? 413 : 400 });
  return json({ result: upload.sha256 === info.fileSha256 ? ("match" as const) : ("mismatch" as const) });
}

/** The receipt form (a pasted line, urlencoded): included with its proof, signed after the letter, or refused (400). */
async function receiptAction(request: Request, code: string) {
  let form;
  try {
    form = parseForm(verifyReceiptSchema, await request.formData());
  } catch {
    return json({ receipt: { outcome: "malformed" as const, text: "" } }, { status: 400 });
  }
  if (!form.ok) {
    const text = (form.values.receipt ?? "").slice(0, 4000);
    return json({ receipt: { outcome: form.errors.receipt === "receipt.verify.empty" ? ("empty" as const) : ("malformed" as const), text } }, { status: 400 });
  }
  const checked = await checkReceipt(code, form.data.receipt);
  if (!checked) throw json({ message: null }, { status: 404 });
  const status = checked.outcome === "included" || checked.outcome === "later" ? 200 : checked.outcome === "busy" ? 503 : 400;
  return json({ receipt: { ...checked, text: form.data.receipt } }, { status });
}

export default function Verify() {
  const { info } = useLoaderData<typeof loader>();
  const acted = useActionData<typeof action>();
  const { t, plural, lang, date, number } = useT();
  return (
    <div className="narrow">
      <h1>{t("verify.title")}</h1>
      <p className="hint">{t("verify.intro")}</p>
      {acted && "result" in acted ? (
        <p className={acted.result === "match" ? "notice" : "notice-error"} role="alert">
          {t(`verify.${acted.result}`)}
        </p>
      ) : null}
      <dl className="facts">
        <dt>{t("letters.code")}</dt>
        <dd>
          <code>{info.code}</code>
        </dd>
        <dt>{t("verify.appeal")}</dt>
        <dd>
          <a href={`/appeals/${info.slug}`}>{info.title}</a>
        </dd>
        <dt>{t("verify.language")}</dt>
        <dd>{info.languages.map((l) => languageName(l, lang)).join(", ")}</dd>
        <dt>{t("verify.revision")}</dt>
        <dd>{info.revision}</dd>
        <dt>{t("verify.count")}</dt>
        <dd>{number(info.count)}</dd>
        <dt>{t("verify.generated")}</dt>
        <dd>{date(info.generatedAt, "datetime")}</dd>
        <dt>{t("verify.digest")}</dt>
        <dd>
          <code className="digest">{info.digest}</code>
        </dd>
        <dt>{t("verify.fileHash")}</dt>
        <dd>
          <code className="digest">{info.fileSha256}</code>
        </dd>
        <dt>{t("certificate.verify.fingerprint")}</dt>
        <dd>
          {info.signerFingerprint ? (
            <code className="digest" data-testid="signer-fingerprint">
              {info.signerFingerprint}
            </code>
          ) : (
            t("certificate.verify.unsigned")
          )}
        </dd>
        {info.ledger ? <LedgerFacts ledger={info.ledger} /> : null}
      </dl>
      {info.signerFingerprint ? <p className="hint">{t("certificate.verify.compare")}</p> : null}
      {info.withdrawnSince > 0 ? <p>{plural("verify.withdrawn", info.withdrawnSince)}</p> : null}
      <LedgerSection code={info.code} ledger={info.ledger} />
      <Form method="post" encType="multipart/form-data" className="stack">
        <h2>{t("verify.upload")}</h2>
        <div>
          <label htmlFor="f-file">{t("verify.file")}</label>
          <input id="f-file" type="file" name="file" accept="application/pdf" />
        </div>
        <div>
          <button type="submit">{t("verify.check")}</button>
        </div>
      </Form>
      <ReceiptForm answer={acted && "receipt" in acted ? acted.receipt : null} />
    </div>
  );
}

type ReceiptAnswer = (ReceiptCheck | { outcome: "empty" }) & { text: string };

/** Paste a receipt: is this signer in this letter? Only their own leaf hash and the proof's hashes are shown. */
function ReceiptForm({ answer }: { answer: ReceiptAnswer | null }) {
  const { t, number } = useT();
  return (
    <Form method="post" className="stack" aria-labelledby="receipt-check-title">
      <h2 id="receipt-check-title">{t("receipt.verify.title")}</h2>
      <p className="hint">{t("receipt.verify.intro")}</p>
      {answer ? (
        answer.outcome === "included" ? (
          <div className="notice" role="status" data-testid="receipt-answer">
            <p>{t("receipt.verify.included", { entry: number(answer.entry), size: number(answer.size) })}</p>
            <p>{t("receipt.verify.proof")}</p>
            <dl className="facts">
              <dt>{t("receipt.verify.leafHash")}</dt>
              <dd>
                <code className="digest">{answer.leafHash}</code>
              </dd>
              <dt>{t("receipt.verify.proofHashes")}</dt>
              <dd>
                {answer.proof.length ? (
                  <ol data-testid="receipt-proof">
                    {answer.proof.map((h, i) => (
                      <li key={i}>
                        <code className="digest">{h}</code>
                      </li>
                    ))}
                  </ol>
                ) : (
                  t("receipt.verify.proofEmpty")
                )}
              </dd>
              <dt>{t("ledger.root")}</dt>
              <dd>
                <code className="digest">{answer.root}</code>
              </dd>
            </dl>
          </div>
        ) : answer.outcome === "later" ? (
          <p className="notice-error" role="alert" data-testid="receipt-answer">
            {t("receipt.verify.later", { entry: number(answer.index + 1), size: number(answer.size) })}
          </p>
        ) : (
          <p className="notice-error" role="alert" data-testid="receipt-answer">
            {t(`receipt.verify.${answer.outcome}`)}
          </p>
        )
      ) : null}
      <input type="hidden" name="_intent" value="receipt" />
      <div>
        <label htmlFor="f-receipt">{t("receipt.verify.field")}</label>
        <textarea id="f-receipt" name="receipt" rows={4} maxLength={4000} defaultValue={answer?.text ?? ""} key={answer?.text ?? ""} spellCheck={false} />
      </div>
      <div>
        <button type="submit">{t("receipt.verify.check")}</button>
      </div>
    </Form>
  );
}
/** How to check the signed revocation list (docs/verification.md §5): commands, not words, so not translated. */
const REVOCATIONS_CHECK = [
  "openssl cms -verify -binary -inform DER -in revocations.p7s -content revocations.txt -noverify -purpose any -out /dev/null",
  "openssl pkcs7 -inform DER -in revocations.p7s -print_certs | openssl x509 -noout -fingerprint -sha256",
].join("\n\n");

type Ledger = ReturnType<typeof useLoaderData<typeof loader>>["info"]["ledger"];

/** The ledger's size, root and net count, in the letter's facts list. */
function LedgerFacts({ ledger }: { ledger: NonNullable<Ledger> }) {
  const { t, number } = useT();
  return (
    <>
      <dt>{t("ledger.size")}</dt>
      <dd>{number(ledger.size)}</dd>
      <dt>{t("ledger.root")}</dt>
      <dd>
        <code className="digest">{ledger.root}</code>
      </dd>
      <dt>{t("ledger.net")}</dt>
      <dd>{number(ledger.net)}</dd>
    </>
  );
}

/** The signatory ledger (app/services/ledger.server.ts): earlier letters this one extends, revocations since it. */
function LedgerSection({ code, ledger }: { code: string; ledger: Ledger }) {
  const { t, number } = useT();
  return (
    <section aria-labelledby="ledger-title">
      <h2 id="ledger-title">{t("ledger.title")}</h2>
      {ledger ? (
        <>
          <p className="hint">{t("ledger.intro")}</p>
          <p className="hint">{t("ledger.netHint")}</p>
          <h3>{t("ledger.extends")}</h3>
          {ledger.extends.length ? (
            <ul>
              {ledger.extends.map((e) => (
                <li key={e.code}>
                  <a href={`/verify/${e.code}`}>{t("ledger.earlier", { code: e.code, size: number(e.size) })}</a> —{" "}
                  {e.checked ? t("ledger.checked") : <strong>{t("ledger.notChecked")}</strong>}
                </li>
              ))}
            </ul>
          ) : (
            <p>{t("ledger.extendsNone")}</p>
          )}
          <h3>{t("ledger.revoked")}</h3>
          {ledger.revoked.total ? (
            <>
              <p>{t("ledger.revokedIntro")}</p>
              <ul>
                {ledger.revoked.entries.map((r) => (
                  <li key={r.index}>{t("ledger.revokedEntry", { index: String(r.index), day: r.day })}</li>
                ))}
              </ul>
              {ledger.revoked.total > ledger.revoked.entries.length ? (
                <p>{t("ledger.revokedMore", { count: number(ledger.revoked.total - ledger.revoked.entries.length) })}</p>
              ) : null}
            </>
          ) : (
            <p>{t("ledger.revokedNone")}</p>
          )}
          {/* The full list, signed by the organization (app/services/revocations.server.ts). */}
          <p>
            <a href={`/verify/${code}/revocations`} download="revocations.txt">
              {t("ledger.signed")}
            </a>{" "}
            ·{" "}
            <a href={`/verify/${code}/revocations.p7s`} download="revocations.p7s">
              {t("ledger.signedSignature")}
            </a>
          </p>
          <p className="hint">{t("ledger.signedHow")}</p>
          <pre className="commands">
            <code>{REVOCATIONS_CHECK}</code>
          </pre>
        </>
      ) : (
        <p>{t("ledger.none")}</p>
      )}
      <p>
        <a href={`/verify/${code}/json`}>{t("ledger.json")}</a>
      </p>
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
