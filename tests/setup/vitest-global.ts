import type { TestProject } from "vitest/node";
import { createTemplate, startTestCluster, type TestCluster } from "./postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgServerUrl: string;
    pgTemplate: string;
  }
}

let cluster: TestCluster | undefined;

/** One PostgreSQL for the whole run, and one migrated template that every test file clones. */
export async function setup(project: TestProject) {
  cluster = await startTestCluster();
  const template = `appeals_template_${process.pid}`;
  await createTemplate(cluster.serverUrl, template);
  project.provide("pgServerUrl", cluster.serverUrl);
  project.provide("pgTemplate", template);
}

export async function teardown() {
  await cluster?.stop();
}
