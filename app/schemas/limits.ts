/**
 * Length limits of form fields: the zod schemas check them, the forms' maxLength attributes show
 * them. Kept apart from the schemas, without zod, because the forms run in the browser too and
 * public pages load no zod (tests/integration/browser-bundle.test.ts).
 */

/** The longest address accepted (SMTP's limit on a path). */
export const EMAIL_MAX_LENGTH = 254;

/** The longest value of each sign-form field (app/schemas/sign.ts, app/routes/appeals.$slug/sign-form.tsx). */
export const SIGN_LIMITS = { name: 200, email: EMAIL_MAX_LENGTH, city: 120, organization: 200, position: 200 } as const;
