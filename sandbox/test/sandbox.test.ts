import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HttpRequest } from "@azure/functions";
import type { FunctionDefinition } from "../../azure-functions/src/function-table";
import {
  portsFromEnv,
  readEndpointsFile,
  sandboxEndpointsSchema,
  startSandbox,
  toServiceEnvironment,
  newServiceSecrets,
  loadServiceSecrets,
  type Sandbox,
} from "../src";

const freePorts = {
  dataverse: 0,
  xero: 0,
  xeroIdentity: 0,
  azuriteBlob: 0,
  azuriteQueue: 0,
  azuriteTable: 0,
  functions: 0,
};

describe("sandbox ports", () => {
  it("uses the documented defaults and reads each override from its variable", () => {
    expect(portsFromEnv({})).toStrictEqual({
      dataverse: 5555,
      xero: 5560,
      xeroIdentity: 5561,
      azuriteBlob: 10000,
      azuriteQueue: 10001,
      azuriteTable: 10002,
      functions: 7071,
    });
    expect(portsFromEnv({ SANDBOX_XERO_PORT: "6000", FUNCTIONS_PORT: "0", AZURITE_QUEUE_PORT: "" })).toMatchObject({
      xero: 6000,
      functions: 0,
      azuriteQueue: 10001,
    });
    expect(() => portsFromEnv({ SANDBOX_DATAVERSE_PORT: "http" })).toThrow(/SANDBOX_DATAVERSE_PORT/);
    expect(() => portsFromEnv({ SANDBOX_DATAVERSE_PORT: "70000" })).toThrow(/SANDBOX_DATAVERSE_PORT/);
  });
});

describe("the service's settings", () => {
  it("point every URL the service reads at the sandbox", () => {
    const env = toServiceEnvironment({
      storageConnectionString: "UseDevelopmentStorage=true",
      functionsUrl: "http://127.0.0.1:7071",
      xero: {
        identityUrl: "http://127.0.0.1:5561",
        apiUrl: "http://127.0.0.1:5560/api.xro/2.0",
        connectionsUrl: "http://127.0.0.1:5560/connections",
        clientId: "client",
        clientSecret: "secret",
        webhookKey: "hook",
      },
      dataverseAuthorityUrl: "http://127.0.0.1:5555",
      secrets: newServiceSecrets(),
    });
    expect(env).toMatchObject({
      XERO_API_URL: "http://127.0.0.1:5560/api.xro/2.0",
      XERO_IDENTITY_URL: "http://127.0.0.1:5561",
      XERO_LOGIN_URL: "http://127.0.0.1:5561",
      DATAVERSE_AUTHORITY_URL: "http://127.0.0.1:5555",
      XC_PUBLIC_BASE_URL: "http://127.0.0.1:7071",
    });
    const [keyId, key] = (env.XC_ENCRYPTION_KEYS as string).split(":");
    expect(keyId).toBe("sandbox");
    expect(Buffer.from(key as string, "base64")).toHaveLength(32);
  });
});

describe("startSandbox with a service", () => {
  let sandbox: Sandbox;
  let folder: string;
  let receivedEnv: Readonly<Record<string, string | undefined>> = {};
  const webhookPayloads: Array<{ events: unknown[] }> = [];
  const endpointsFile = () => join(folder, "endpoints.json");

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), "sandbox-"));
    const factory = (env: Readonly<Record<string, string | undefined>>): FunctionDefinition[] => {
      receivedEnv = env;
      return [
        {
          kind: "http",
          name: "health",
          route: "health",
          methods: ["GET"],
          authLevel: "function",
          handler: () => ({ jsonBody: { xeroApi: env.XERO_API_URL } }),
        },
        {
          // A receiver like Xero asks for: 200 when x-xero-signature is the HMAC of the raw body, 401 otherwise.
          // https://developer.xero.com/documentation/guides/webhooks/configuring-your-server/
          kind: "http",
          name: "xeroWebhook",
          route: "xero/webhook",
          methods: ["POST"],
          authLevel: "anonymous",
          handler: async (request: HttpRequest) => {
            const body = Buffer.from(await request.arrayBuffer());
            const expected = createHmac("sha256", env.XERO_WEBHOOK_KEY ?? "")
              .update(body)
              .digest("base64");
            if (request.headers.get("x-xero-signature") !== expected) return { status: 401 };
            webhookPayloads.push(JSON.parse(body.toString("utf8")) as { events: unknown[] });
            return { status: 200 };
          },
        },
      ];
    };
    sandbox = await startSandbox({ ports: freePorts, withService: factory, endpointsFile: endpointsFile(), env: {} });
  });
  afterAll(async () => {
    await sandbox?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it("writes a valid endpoints file, private to the user, with the host's URL and key", async () => {
    const written = await readEndpointsFile(endpointsFile());
    expect(written).toStrictEqual(sandbox.endpoints);
    expect(statSync(endpointsFile()).mode & 0o077).toBe(0);
    expect(written.functionsUrl).toBe(sandbox.host?.url);
    expect(written.dataverseUrl).toBe(`${written.dataverseHostUrl}/demo`);
  });

  it("runs the service's table in the host, configured for the emulators", async () => {
    const endpoints = sandbox.endpoints;
    expect(receivedEnv.XERO_API_URL).toBe(endpoints.xeroApiUrl);
    expect(receivedEnv.AzureWebJobsStorage).toBe(endpoints.azureStorageConnectionString);
    const answer = await fetch(`${endpoints.functionsUrl}/api/health`, {
      headers: { "x-functions-key": endpoints.functionKey as string },
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toStrictEqual({ xeroApi: endpoints.xeroApiUrl });
  });

  it("registers the service as an app with the Xero identity emulator", () => {
    expect(receivedEnv.XERO_CLIENT_ID).toMatch(/\S/);
    expect(receivedEnv.XERO_CLIENT_SECRET).toMatch(/\S/);
    expect(receivedEnv.XERO_WEBHOOK_KEY).toBe(sandbox.xero.webhooks.signingKey);
  });

  it("subscribes Xero's webhooks to the service's receiver, which must pass intent to receive", async () => {
    expect(sandbox.xeroWebhook).toStrictEqual({ url: `${sandbox.host?.apiUrl}/xero/webhook`, verified: true });
    // A change in the demo organisation reaches the receiver, signed with the key the service was given.
    const { endpoints } = sandbox;
    const created = await fetch(`${endpoints.xeroApiUrl}/Contacts`, {
      method: "PUT",
      headers: {
        authorization: `Bearer ${endpoints.xeroAccessToken}`,
        "xero-tenant-id": endpoints.xeroTenantId,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify({ Contacts: [{ Name: "Webhook Test Ltd" }] }),
    });
    expect(created.status).toBe(200);
    await sandbox.xero.webhooks.sender()?.flush();
    expect(webhookPayloads.flatMap((payload) => payload.events).length).toBeGreaterThan(0);
  });

  it("writes the service's settings for the support tool as .sandbox/service.env", () => {
    const file = join(folder, "service.env");
    expect(statSync(file).mode & 0o077).toBe(0);
    const lines = readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"));
    expect(
      Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)])),
    ).toStrictEqual(sandbox.serviceEnv);
  });

  it("gives tokens that the emulators accept", async () => {
    const endpoints = await sandbox.refreshEndpoints();
    const organisation = await fetch(`${endpoints.xeroApiUrl}/Organisation`, {
      headers: {
        authorization: `Bearer ${endpoints.xeroAccessToken}`,
        "xero-tenant-id": endpoints.xeroTenantId,
        accept: "application/json",
      },
    });
    expect(organisation.status).toBe(200);
    const whoAmI = await fetch(`${endpoints.dataverseWebApiUrl}WhoAmI`, {
      headers: { authorization: `Bearer ${endpoints.dataverseAccessToken}` },
    });
    expect(whoAmI.status).toBe(200);
    expect(sandboxEndpointsSchema.safeParse({ ...endpoints, xeroApiUrl: "http://127.0.0.1:1/api" }).success).toBe(
      false,
    );
  });

  it("removes its files when it stops (they describe a running sandbox)", async () => {
    await sandbox.stop();
    expect(existsSync(endpointsFile())).toBe(false);
    expect(existsSync(join(folder, "service.env"))).toBe(false);
  });
});

describe("the service's secrets", () => {
  it("are new each start, or kept in the persist folder so stored tokens still decrypt", async () => {
    expect((await loadServiceSecrets(undefined)).encryptionKeys).not.toBe(
      (await loadServiceSecrets(undefined)).encryptionKeys,
    );
    const folder = mkdtempSync(join(tmpdir(), "sandbox-secrets-"));
    try {
      const first = await loadServiceSecrets(folder);
      expect(await loadServiceSecrets(folder)).toStrictEqual(first);
      expect(statSync(join(folder, "service-secrets.json")).mode & 0o077).toBe(0);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
