import crypto from "node:crypto";
import { afterAll, beforeAll, inject } from "vitest";
import { closeDb, getDb, setDatabaseUrl } from "../../db/client.js";
import { cloneDatabase, dropDatabase } from "./postgres.js";

/**
 * Each test file gets its own database, cloned from the migrated template, and the app's
 * getDb() points at it for the duration of the file.
 */
const name = `t_${crypto.randomBytes(6).toString("hex")}`;

beforeAll(async () => {
  const url = await cloneDatabase(inject("pgServerUrl"), inject("pgTemplate"), name);
  setDatabaseUrl(url);
  process.env.DATABASE_URL = url;
});

afterAll(async () => {
  await closeDb();
  await dropDatabase(inject("pgServerUrl"), name);
});

export { getDb };
