import data from "../data/email-providers.json";

interface ProviderRule {
  dots?: boolean;
  plus?: boolean;
  canonical?: string;
}
const providers: Record<string, ProviderRule> = data.providers;

/**
 * The key under which an address counts once per appeal: trimmed and lowercased; dots and
 * +tags dropped only where the provider ignores them (see app/data/email-providers.json).
 */
export function emailKey(address: string): string {
  const trimmed = address.trim().toLowerCase();
  const at = trimmed.lastIndexOf("@");
  if (at < 1) return trimmed;
  let local = trimmed.slice(0, at);
  let domain = trimmed.slice(at + 1).replace(/\.$/, "");
  const rule = providers[domain];
  if (rule) {
    if (rule.plus) local = local.split("+")[0] ?? local;
    if (rule.dots) local = local.replace(/\./g, "");
    if (rule.canonical) domain = rule.canonical;
  }
  return `${local}@${domain}`;
}

export function emailDomain(address: string): string {
  const at = address.lastIndexOf("@");
  return at < 0 ? "" : address.slice(at + 1).trim().toLowerCase();
}
