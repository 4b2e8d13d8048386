/** An OpenPGP fingerprint in groups of four, as `gpg --fingerprint` shows it (also in the browser). */
export function formatFingerprint(fingerprint: string): string {
  return (fingerprint.toUpperCase().match(/.{1,4}/g) ?? []).join(" ");
}
