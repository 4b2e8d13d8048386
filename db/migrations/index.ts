import type { Migration } from "kysely";
import * as m20261122T0200 from "./2026-11-22T0200_foundation.js";
import * as m20261122T0400 from "./2026-11-22T0400_letters.js";
import * as m20261122T0500 from "./2026-11-22T0500_dashboard.js";
import * as m20261203T0900 from "./2026-12-03T0900_delivery.js";
import * as m20261203T1110 from "./2026-12-03T1110_letter_attempts.js";
import * as m20261203T1130 from "./2026-12-03T1130_outbox_at_rest.js";
import * as m20261203T1140 from "./2026-12-03T1140_ops.js";
import * as m20261203T1600 from "./2026-12-03T1600_ledger.js";
import * as m20261203T1610 from "./2026-12-03T1610_signing.js";
import * as m20261203T1620 from "./2026-12-03T1620_receipt_tokens.js";
import * as m20261204T0100 from "./2026-12-04T0100_signatures_at_rest.js";
import * as m20261204T0110 from "./2026-12-04T0110_users_at_rest.js";
import * as m20261204T0120 from "./2026-12-04T0120_minimal_data.js";
import * as m20261204T0130 from "./2026-12-04T0130_openpgp.js";
import * as m20261204T1300 from "./2026-12-04T1300_rate_limits.js";
import * as m20261204T1310 from "./2026-12-04T1310_letter_leases.js";
import * as m20261204T1400 from "./2026-12-04T1400_signature_lists.js";
import * as m20261205T0100 from "./2026-12-05T0100_paper_signatures.js";
import * as m20261205T0110 from "./2026-12-05T0110_translation_basis.js";
import * as m20261205T0120 from "./2026-12-05T0120_org_registration.js";
import * as m20261205T0130 from "./2026-12-05T0130_responses.js";
import * as m20261205T0140 from "./2026-12-05T0140_outbox_template.js";

/**
 * Every migration, in order. Listed statically (not read from the folder) so the same code
 * runs under tsx, vitest and bundlers. A new migration: a new, later-dated file, added here.
 */
export const migrations: Record<string, Migration> = {
  "2026-11-22T0200_foundation": m20261122T0200,
  "2026-11-22T0400_letters": m20261122T0400,
  "2026-11-22T0500_dashboard": m20261122T0500,
  "2026-12-03T0900_delivery": m20261203T0900,
  "2026-12-03T1110_letter_attempts": m20261203T1110,
  "2026-12-03T1130_outbox_at_rest": m20261203T1130,
  "2026-12-03T1140_ops": m20261203T1140,
  "2026-12-03T1600_ledger": m20261203T1600,
  "2026-12-03T1610_signing": m20261203T1610,
  "2026-12-03T1620_receipt_tokens": m20261203T1620,
  "2026-12-04T0100_signatures_at_rest": m20261204T0100,
  "2026-12-04T0110_users_at_rest": m20261204T0110,
  "2026-12-04T0120_minimal_data": m20261204T0120,
  "2026-12-04T0130_openpgp": m20261204T0130,
  "2026-12-04T1300_rate_limits": m20261204T1300,
  "2026-12-04T1310_letter_leases": m20261204T1310,
  "2026-12-04T1400_signature_lists": m20261204T1400,
  "2026-12-05T0100_paper_signatures": m20261205T0100,
  "2026-12-05T0110_translation_basis": m20261205T0110,
  "2026-12-05T0120_org_registration": m20261205T0120,
  "2026-12-05T0130_responses": m20261205T0130,
  "2026-12-05T0140_outbox_template": m20261205T0140,
};
