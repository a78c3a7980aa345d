import { QueueClient } from "@azure/storage-queue";
import { startAzurite, type Azurite } from "../../sandbox/src/azurite";
import { startDataverseEmulator, type DataverseEmulator, type DataverseOrganisation } from "../../sandbox/src/dataverse";
import { loadConfig, type Config } from "../../azure-functions/src/config";
import { ManualClock } from "../../azure-functions/src/core/clock";
import { toQueueMessageText } from "../../azure-functions/src/adapters/queue/work-queue";
import { createConnectionStore } from "../../azure-functions/src/adapters/table-storage/connection-store";
import { openAllTables } from "../../azure-functions/src/adapters/table-storage/tables";
import { createTokenVault } from "../../azure-functions/src/adapters/table-storage/token-vault";
import { createLinkStore } from "../../azure-functions/src/links/link-store";
import { parseEnvFile, parseSupportArgs, resolveEnvironment, runSupport, toPendingSummary, toPendingText, toTable } from "../support";

describe("support CLI arguments", () => {
  it("parses each command", () => {
    expect(parseSupportArgs(["link", "--connection", "c1", "--kind", "xero", "--expires", "72h"])).toStrictEqual({ command: "link", connection: "c1", kind: "xero", lifetimeMs: 259_200_000 });
    expect(parseSupportArgs(["link", "--connection", "new", "--kind", "dynamics"])).toMatchObject({ lifetimeMs: 259_200_000 });
    expect(parseSupportArgs(["status", "--json"])).toStrictEqual({ command: "status", json: true, offline: false });
    expect(parseSupportArgs(["status", "--offline"])).toStrictEqual({ command: "status", json: false, offline: true });
    expect(parseSupportArgs(["replay-poison"])).toStrictEqual({ command: "replay-poison" });
    expect(parseSupportArgs([])).toStrictEqual({ command: "help" });
    expect(() => parseSupportArgs(["link", "--connection", "c1", "--kind", "sage"])).toThrow(RangeError);
    expect(() => parseSupportArgs(["link", "--kind", "xero"])).toThrow(/--connection/);
    expect(() => parseSupportArgs(["reboot"])).toThrow(/unknown command/);
  });

  it("reads env files and lets --env-file override the environment", () => {
    expect(parseEnvFile("# comment\nA=1\nB = 'two'\n\nC=\"x=y\"\n")).toStrictEqual({ A: "1", B: "two", C: "x=y" });
    expect(() => resolveEnvironment(["status", "--env-file"], {}, "/nowhere")).toThrow(RangeError);
    expect(resolveEnvironment(["status"], { A: "1" }, "/nowhere")).toStrictEqual({ args: ["status"], env: { A: "1" } });
  });

  it("formats a table", () => {
    expect(toTable([{ a: "x", bb: 1 }, { a: "long", bb: null }])).toBe("a     bb\n----  --\nx     1\nlong");
  });
});

describe("support CLI commands (Azurite)", () => {
  let azurite: Azurite;
  let dataverse: DataverseEmulator;
  let org: DataverseOrganisation;
  let config: Config;
  const clock = new ManualClock(Date.UTC(2026, 7, 1));
  const output: string[] = [];
  const io = { out: (line: string) => void output.push(line), err: () => undefined };

  beforeAll(async () => {
    [azurite, dataverse] = await Promise.all([startAzurite(), startDataverseEmulator()]);
    org = dataverse.createOrganisation("supportorg");
    config = loadConfig({
      DATAVERSE_AUTHORITY_URL: dataverse.url,
      AzureWebJobsStorage: azurite.connectionString,
      XC_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 3).toString("base64")}`,
      XC_LINK_SIGNING_KEY: "support-test-link-signing-key-0123456789",
      XC_PUBLIC_BASE_URL: "http://127.0.0.1:7071",
      XERO_CLIENT_ID: "client",
      XERO_CLIENT_SECRET: "support-test-client-secret",
    });
  });
  afterAll(async () => {
    await Promise.all([azurite.stop(), dataverse.stop()]);
  });
  beforeEach(() => {
    output.length = 0;
  });

  it("prints a link URL that the service accepts, for an existing or a new connection", async () => {
    const tables = await openAllTables(config.storageConnectionString);
    const connection = await createConnectionStore(tables.connections, { keyRing: config.encryption, clock }).create({ id: "conn-1" });
    expect(await runSupport({ command: "link", connection: connection.id, kind: "xero", lifetimeMs: 3_600_000 }, config, io, clock)).toBe(0);
    const url = new URL(output[0] ?? "");
    expect(url.origin + url.pathname).toBe("http://127.0.0.1:7071/api/onboarding/xero");
    const links = createLinkStore(tables.links, { signingKey: config.links.signingKey, publicBaseUrl: config.links.publicBaseUrl, clock });
    expect(await links.open(url.searchParams.get("token") ?? "", "xero")).toMatchObject({ ok: true, link: { connectionId: "conn-1" } });
    // A second link for the same step withdraws the first.
    await runSupport({ command: "link", connection: connection.id, kind: "xero", lifetimeMs: 3_600_000 }, config, io, clock);
    expect(await links.open(url.searchParams.get("token") ?? "")).toStrictEqual({ ok: false, reason: "revoked" });
    await expect(runSupport({ command: "link", connection: "missing", kind: "xero", lifetimeMs: 1000 }, config, io, clock)).rejects.toMatchObject({ kind: "config" });
    expect(await runSupport({ command: "link", connection: "new", kind: "dynamics", lifetimeMs: 1000 }, config, io, clock)).toBe(0);
  });

  it("prints the live connections' health, then the pending ones apart, without a secret", async () => {
    const tables = await openAllTables(config.storageConnectionString);
    const store = createConnectionStore(tables.connections, { keyRing: config.encryption, clock });
    const connectorId = dataverse.store.insert(org, "mag_xeroconnector", { mag_name: "Demo Co", mag_lastsynchedon: "2026-07-31T23:45:00Z", mag_lasterror: "Account code '999' is not valid" });
    const healthy = await store.create({
      id: "conn-healthy",
      dataverse: { url: org.url, tenantId: org.tenantId, clientId: org.clientId, clientSecret: org.clientSecret },
      xero: { tenantId: "xero-tenant-1", tenantName: "Demo Co" },
      connectorId,
    });
    await store.create({
      id: "conn-wrong-secret",
      dataverse: { url: org.url, tenantId: org.tenantId, clientId: org.clientId, clientSecret: "dataverse-secret-value" },
      connectorId,
    });
    await store.markConnected(healthy.id);
    await store.markDisconnected("conn-wrong-secret", "Dynamics 365 refused the client secret");
    const vault = createTokenVault({ table: tables.tokens, keyRing: config.encryption, clock, xero: config.xero });
    await vault.storeGrant(healthy.id, { accessToken: "access-token-value-1", refreshToken: "refresh-token-value-1", scopes: [], accessTokenExpiresAt: clock.now() + 1_800_000, refreshTokenIssuedAt: clock.now() });
    // A later pending one, waiting for Dynamics 365 (the link test left two waiting for both: conn-1 and a new one).
    clock.advance(2 * 86_400_000);
    await store.create({ id: "conn-pending-xero", xero: { tenantId: "xero-tenant-2", tenantName: "Halfway Ltd" } });
    clock.advance(86_400_000);
    // A disconnected live connection sets the exit code; pending ones do not.
    expect(await runSupport({ command: "status", json: true, offline: false }, config, io, clock)).toBe(2);
    const printed = output.join("\n");
    const rows = JSON.parse(printed) as { connectionId: string; status: string; grantExpiresOn: string; callsRemainingToday: number | null; problem: string }[];
    expect(rows.find((row) => row.connectionId === "conn-healthy")).toMatchObject({
      status: "connected",
      grantExpiresOn: "2026-09-30T00:00:00.000Z",
      callsRemainingToday: 5000,
      lastSynchedOn: "2026-07-31T23:45:00Z",
      lastError: "Account code '999' is not valid",
      problem: "",
    });
    expect(rows.find((row) => row.connectionId === "conn-wrong-secret")?.problem).toMatch(/connector row unreadable: entra answered 401 invalid_client/);
    // One row per connection, the pending ones last.
    expect(rows.map((row) => row.status)).toStrictEqual(["connected", "disconnected", "pending", "pending", "pending"]);
    expect(rows.find((row) => row.connectionId === "conn-1")).toMatchObject({ status: "pending", problem: "no Dynamics 365 credentials: send a dynamics link" });
    expect(rows.find((row) => row.connectionId === "conn-pending-xero")).toMatchObject({ status: "pending", xeroOrganisation: "Halfway Ltd" });
    for (const secret of ["dataverse-secret-value", org.clientSecret, "access-token-value-1", "refresh-token-value-1"]) expect(printed).not.toContain(secret);

    output.length = 0;
    await runSupport({ command: "status", json: false, offline: true }, config, io, clock);
    const lines = (output[0] ?? "").split("\n");
    expect(lines[0]).toMatch(/^connectionId\s+status\s+xeroOrganisation/);
    const live = lines.slice(2, lines.indexOf(""));
    expect(live).toHaveLength(2);
    expect(live.join("\n")).not.toContain("conn-1 ");
    expect(lines[lines.indexOf("") + 1]).toMatch(
      /^pending \(onboarding not finished\): 3, oldest unchanged since 2026-08-01T00:00:00\.000Z \(3 days, [^)]+\); deleted after 30 days unchanged unless a link still works$/,
    );
    const pendingTable = lines.slice(lines.indexOf("") + 2);
    expect(pendingTable).toHaveLength(5);
    expect(pendingTable[0]).toMatch(/^connectionId\s+createdOn\s+updatedOn\s+waitingFor$/);
    expect(pendingTable).toContainEqual(expect.stringMatching(/^conn-1\s+2026-08-01T00:00:00\.000Z\s+2026-08-01T00:00:00\.000Z\s+Xero and Dynamics 365$/));
    expect(pendingTable[4]).toMatch(/^conn-pending-xero\s+2026-08-03T00:00:00\.000Z\s+2026-08-03T00:00:00\.000Z\s+Dynamics 365$/);
  });

  it("prints only the count when nothing is pending (pure)", () => {
    expect(toPendingText(toPendingSummary([]), 0)).toBe("pending (onboarding not finished): 0");
  });

  it("replays the poison queue", async () => {
    const poison = new QueueClient(azurite.connectionString, "sync-work-poison");
    await poison.createIfNotExists();
    await poison.sendMessage(toQueueMessageText({ connectionId: "conn-1", flow: "InvoicesToXero", reason: "schedule", correlationId: "x", enqueuedAt: "2026-08-01T00:00:00.000Z" }));
    expect(await runSupport({ command: "replay-poison" }, config, io, clock)).toBe(0);
    expect(output).toStrictEqual(["replayed 1 message(s) from sync-work-poison to sync-work"]);
  });
});
