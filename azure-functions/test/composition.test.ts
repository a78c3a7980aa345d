// The composition root over Azurite and the Xero and Dataverse emulators: the vault's refreshes and revocations reach
// the connector row (through connection health), the token timings come from the configuration, a Dynamics 365
// reauthorisation gives the connection fresh clients, and the daily keep-alive timer refreshes an idle grant.
import { randomBytes } from "node:crypto";
import { InvocationContext, type Timer } from "@azure/functions";
import { startAzurite, type Azurite } from "../../sandbox/src/azurite";
import {
  startDataverseEmulator,
  type DataverseEmulator,
  type DataverseOrganisation,
} from "../../sandbox/src/dataverse";
import { startXeroEmulator, type XeroEmulator } from "../../sandbox/src/xero";
import { createDataverseClient } from "../src/adapters/dataverse/web-api-client";
import type { DataverseCredentials } from "../src/adapters/table-storage/connection-store";
import { XeroTokenResponse, fromTokenResponse } from "../src/adapters/table-storage/xero-token-endpoint";
import { createService, toContextVersion, type Service } from "../src/composition";
import { loadConfig } from "../src/config";
import { ManualClock } from "../src/core/clock";
import { createMemoryLogger } from "../src/core/logger";
import { tokenKeepAliveFunction } from "../src/functions/token-keepalive";
import { mag_xeroconnector, mag_xerostatus } from "../src/generated/dataverse";
import { rememberSecrets } from "./support/log-capture";

const cc = mag_xeroconnector.columns;
const minute = 60_000;
const day = 86_400_000;
/** Dataverse DateTime columns keep whole seconds. */
const toSeconds = (value: Date | string | undefined): number => Math.floor(new Date(value ?? 0).getTime() / 1000);

describe("composition (Azurite, the Xero and Dataverse emulators)", () => {
  const clock = new ManualClock(Date.UTC(2026, 4, 4, 8, 0, 0));
  const logger = createMemoryLogger();
  let azurite: Azurite;
  let xero: XeroEmulator;
  let dataverse: DataverseEmulator;
  let service: Service;
  let orgCounter = 0;

  beforeAll(async () => {
    [azurite, xero, dataverse] = await Promise.all([
      startAzurite(),
      startXeroEmulator({ port: 0, clock }),
      startDataverseEmulator({ port: 0, clock }),
    ]);
    const app = xero.registerApp({ name: "Xero Connector (test)", kind: "web", redirectUris: ["http://127.0.0.1/cb"] });
    rememberSecrets(app.clientSecret);
    const config = loadConfig({
      AzureWebJobsStorage: azurite.connectionString,
      XC_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString("base64")}`,
      XC_LINK_SIGNING_KEY: randomBytes(32).toString("base64url"),
      XC_PUBLIC_BASE_URL: "http://127.0.0.1:7071",
      XERO_CLIENT_ID: app.clientId,
      XERO_CLIENT_SECRET: app.clientSecret ?? "",
      XERO_IDENTITY_URL: xero.identityUrl,
      XERO_LOGIN_URL: xero.identityUrl,
      XERO_API_URL: xero.apiUrl,
      XERO_CONNECTIONS_URL: xero.connectionsUrl,
      DATAVERSE_AUTHORITY_URL: dataverse.url,
      // Both differ from the defaults (300 s, 30 days), so the tests below see whether the vault got them.
      XC_TOKEN_REFRESH_MARGIN_SECONDS: "600",
      XC_TOKEN_KEEPALIVE_DAYS: "2",
    });
    service = await createService(config, { clock, logger, sleep: () => Promise.resolve() });
  });

  afterAll(async () => {
    await Promise.allSettled([xero?.stop(), dataverse?.stop(), azurite?.stop()]);
  });

  const credentialsOf = (org: DataverseOrganisation): DataverseCredentials => ({
    url: org.url,
    tenantId: org.tenantId,
    clientId: org.clientId,
    clientSecret: org.clientSecret,
  });

  function newOrg(): DataverseOrganisation {
    const org = dataverse.createOrganisation(`composition-${process.pid}-${++orgCounter}`);
    rememberSecrets(org.clientSecret);
    return org;
  }

  /** A connected connection: a Dataverse org with its connector row, a Xero organisation and its stored grant. */
  async function connect(): Promise<{
    connectionId: string;
    org: DataverseOrganisation;
    connectorId: string;
    refreshToken: string;
  }> {
    const org = newOrg();
    const tenant = xero.createOrganisation({ name: `Composition ${orgCounter}` });
    const admin = createDataverseClient(credentialsOf(org), { authorityUrl: dataverse.url, clock });
    const connectorId = await admin.create(mag_xeroconnector.entitySetName, {
      [cc.mag_name]: tenant.name,
      [cc.mag_xerotenantid]: tenant.tenantId,
      [cc.mag_xerostatus]: mag_xerostatus.Connected,
    });
    const connection = await service.connections.create({
      dataverse: credentialsOf(org),
      xero: { tenantId: tenant.tenantId, tenantName: tenant.name },
      connectorId,
      statusReason: null,
    });
    await service.connections.markConnected(connection.id);
    const issued = xero.identity.issueTokenSet({
      tenantIds: [tenant.tenantId],
      clientId: service.config.xero.clientId,
    });
    const tokens = fromTokenResponse(XeroTokenResponse.parse(issued), clock.now());
    rememberSecrets(tokens.accessToken, tokens.refreshToken);
    await service.vault.storeGrant(connection.id, tokens);
    return { connectionId: connection.id, org, connectorId, refreshToken: tokens.refreshToken };
  }

  async function connectorOf(org: DataverseOrganisation, connectorId: string): Promise<Record<string, unknown>> {
    const client = createDataverseClient(credentialsOf(org), { authorityUrl: dataverse.url, clock });
    const row = await client.retrieve<Record<string, unknown>>(mag_xeroconnector.entitySetName, connectorId, {
      select: [cc.mag_xerostatus, cc.mag_xerostatusreason, cc.mag_xerograntexpireson, cc.mag_lasterror],
    });
    if (row === undefined) throw new Error("the connector row is gone");
    return row;
  }

  test("a token refresh within the configured margin moves the connector's grant expiry", async () => {
    const { connectionId, org, connectorId } = await connect();
    const before = await service.vault.getGrantInfo(connectionId);
    clock.advance(21 * minute); // the access token lives 30 minutes: inside a 600 s margin, outside the default 300 s
    await service.vault.getAccessToken(connectionId);
    const after = await service.vault.getGrantInfo(connectionId);
    expect(after?.refreshCount).toBe(1);
    expect(after?.grantExpiresOn.getTime()).toBeGreaterThan(before?.grantExpiresOn.getTime() ?? Infinity);
    const row = await connectorOf(org, connectorId);
    expect(row[cc.mag_xerostatus]).toBe(mag_xerostatus.Connected);
    expect(row[cc.mag_xerostatusreason]).toBeNull();
    expect(toSeconds(row[cc.mag_xerograntexpireson] as string)).toBe(toSeconds(after?.grantExpiresOn));
  });

  test("a revoked grant shows Disconnected with the reason on the connector", async () => {
    const { connectionId, org, connectorId, refreshToken } = await connect();
    expect(xero.identity.revokeGrant(refreshToken)).toBe(true);
    clock.advance(31 * minute);
    await expect(service.vault.getAccessToken(connectionId)).rejects.toThrow();
    const row = await connectorOf(org, connectorId);
    expect(row[cc.mag_xerostatus]).toBe(mag_xerostatus.Disconnected);
    expect(String(row[cc.mag_xerostatusreason])).not.toBe("");
    expect(row[cc.mag_lasterror]).toBe(row[cc.mag_xerostatusreason]);
  });

  test("a Dynamics 365 reauthorisation gives the connection clients with the new credentials", async () => {
    const { connectionId } = await connect();
    const first = await service.connections.require(connectionId);
    const context = service.contextFor(first);
    expect(service.contextFor(await service.connections.require(connectionId))).toBe(context);
    const before = await context.dataverse.whoAmI();

    const moved = newOrg();
    const reauthorised = await service.connections.update(connectionId, (current) => ({
      ...current,
      dataverse: credentialsOf(moved),
    }));
    const fresh = service.contextFor(reauthorised);
    expect(fresh).not.toBe(context);
    expect(fresh.connection.dataverse?.url).toBe(moved.url);
    const after = await fresh.dataverse.whoAmI();
    expect(after.OrganizationId).not.toBe(before.OrganizationId);
    expect(service.contextFor(reauthorised)).toBe(fresh);
  });

  test("the context version changes with the credentials even within one millisecond, and never holds the secret", async () => {
    const { connectionId } = await connect();
    const connection = await service.connections.require(connectionId);
    if (connection.dataverse === null) throw new Error("no Dynamics 365 credentials");
    const rotated = { ...connection, dataverse: { ...connection.dataverse, clientSecret: "another-secret" } };
    expect(toContextVersion(rotated)).not.toBe(toContextVersion(connection));
    expect(toContextVersion({ ...connection })).toBe(toContextVersion(connection));
    expect(toContextVersion(connection)).not.toContain(connection.dataverse.clientSecret);
  });

  test("the keep-alive timer refreshes a grant idle for longer than the configured days", async () => {
    const { connectionId, org, connectorId } = await connect();
    const keepAlive = tokenKeepAliveFunction(() => Promise.resolve(service));
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: { last: "", next: "", lastUpdated: "" },
    };
    const refreshCount = async (): Promise<number | undefined> =>
      (await service.vault.getGrantInfo(connectionId))?.refreshCount;

    const logged: string[] = [];
    const invocation = (): InvocationContext =>
      new InvocationContext({
        functionName: keepAlive.name,
        logHandler: (level, ...args) => logged.push(`${level} ${args.map(String).join(" ")}`),
      });

    clock.advance(day); // younger than 2 days: left alone
    await keepAlive.handler(timer, invocation());
    expect(await refreshCount()).toBe(0);

    clock.advance(day + minute);
    await keepAlive.handler(timer, invocation());
    expect(await refreshCount()).toBe(1);
    expect(logged).toHaveLength(2);
    expect(logged[1]).toMatch(/Xero grants kept alive.*"refreshed":[1-9]/);
    const grant = await service.vault.getGrantInfo(connectionId);
    expect(toSeconds((await connectorOf(org, connectorId))[cc.mag_xerograntexpireson] as string)).toBe(
      toSeconds(grant?.grantExpiresOn),
    );
  });
});
