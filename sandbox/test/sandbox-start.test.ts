// What `npm start` does, driven step by step: the sandbox with the service's own function table in the local host,
// the demo connection seeded, one scheduler tick, and the work it queued run through the queue trigger.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueueClient } from "@azure/storage-queue";
import { seedDemoConnection } from "../../scripts/start";
import { startSandbox, type Sandbox } from "../src";

const freePorts = {
  dataverse: 0,
  xero: 0,
  xeroIdentity: 0,
  azuriteBlob: 0,
  azuriteQueue: 0,
  azuriteTable: 0,
  functions: 0,
};

interface FlowRow {
  mag_name: string;
  mag_lastrunon: string | null;
  mag_lastresult: number | null;
  mag_recordssynced: number | null;
}

describe("npm start's path: the service runs in the local host on the sandbox", () => {
  let sandbox: Sandbox;
  let folder: string;
  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), "sandbox-start-"));
    sandbox = await startSandbox({
      ports: freePorts,
      withService: true,
      endpointsFile: join(folder, "endpoints.json"),
      env: {},
    });
  }, 120_000);
  afterAll(async () => {
    await sandbox?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it("loads the service's table from azure-functions and answers under /api", () => {
    expect(sandbox.host).toBeDefined();
    expect(sandbox.endpoints.functionsUrl).toBe(sandbox.host?.url);
  });

  it("runs the data flows the scheduler queues once the demo connection exists", async () => {
    const host = sandbox.host;
    if (host === undefined) throw new Error("the service did not start");
    await seedDemoConnection(sandbox);
    // The timer runs once a minute at this speed; the test ticks it itself.
    await host.runTimer("syncScheduler");
    await host.waitForIdle({ timeoutMs: 60_000 });

    const { dataverseWebApiUrl, dataverseAccessToken } = sandbox.endpoints;
    const answer = await fetch(
      `${dataverseWebApiUrl}mag_xerodataflows?$select=mag_name,mag_lastrunon,mag_lastresult,mag_recordssynced`,
      { headers: { authorization: `Bearer ${dataverseAccessToken}` } },
    );
    const rows = ((await answer.json()) as { value: FlowRow[] }).value;
    const referenceData = rows.find((row) => row.mag_name === "Reference data");
    // Succeeded (582100000) with Xero's accounts, tax rates, themes and tracking categories written to Dataverse.
    expect(referenceData?.mag_lastresult).toBe(582100000);
    expect(referenceData?.mag_recordssynced).toBeGreaterThan(0);
    expect(rows.filter((row) => row.mag_lastrunon !== null).length).toBeGreaterThan(1);
    // The queue drained (waitForIdle) and nothing failed five times over into the poison queue.
    const poison = new QueueClient(sandbox.endpoints.azureStorageConnectionString, "sync-work-poison");
    const poisoned = (await poison.exists()) ? (await poison.getProperties()).approximateMessagesCount : 0;
    expect(poisoned).toBe(0);
  }, 120_000);
});
