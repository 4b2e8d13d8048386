import data from "../data/email-providers";

/** How one provider reads the local part of its addresses (app/data/email-providers.ts). */
export interface ProviderRule {
  /** "+tag" is ignored. */
  plus?: boolean;
  /** Characters the provider ignores (Gmail "."; Proton ".-_"). */
  ignore?: string;
  /** Characters the provider treats as one (Yandex ".-"): each is written as the first. */
  same?: string;
  /** The domain the aliases deliver to (ya.ru → yandex.ru). */
  canonical?: string;
}
const providers: Record<string, ProviderRule> = data.providers;

const charClass = (chars: string) => new RegExp(`[${chars.replace(/[\\\]^-]/g, "\\$&")}]`, "g");

/** Applies one provider's rule to a lowercased local part. Data, not code: no provider is named here. */
export function applyRule(local: string, rule: ProviderRule): string {
  let out = local;
  if (rule.plus) out = out.split("+")[0] ?? out;
  if (rule.ignore) out = out.replace(charClass(rule.ignore), "");
  if (rule.same) out = out.replace(charClass(rule.same), rule.same[0] ?? "");
  return out;
}

/**
 * The key under which an address counts once per appeal: trimmed and lowercased; what the
 * provider ignores (+tags, dots, …) dropped only where its rule says so (see
 * app/data/email-providers.ts).
 */
export function emailKey(address: string): string {
  const trimmed = address.trim().toLowerCase();
  const at = trimmed.lastIndexOf("@");
  if (at < 1) return trimmed;
  let local = trimmed.slice(0, at);
  let domain = trimmed.slice(at + 1).replace(/\.$/, "");
  const rule = providers[domain];
  if (rule) {
    local = applyRule(local, rule);
    if (rule.canonical) domain = rule.canonical;
  }
  return `${local}@${domain}`;
}

export function emailDomain(address: string): string {
  const at = address.lastIndexOf("@");
  return at < 0
    ? ""
    : address
        .slice(at + 1)
        .trim()
        .toLowerCase();
}
