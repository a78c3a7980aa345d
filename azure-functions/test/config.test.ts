import { loadConfig, secretSettingNames, secretValues } from "../src/config";
import { SyncError } from "../src/core/errors";

const key1 = Buffer.alloc(32, 1).toString("base64");
const key2 = Buffer.alloc(32, 2).toString("base64");
const env = {
  AzureWebJobsStorage:
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c3RvcmFnZS1rZXktZm9yLXRlc3Rz;TableEndpoint=http://127.0.0.1:1/devstoreaccount1",
  XC_ENCRYPTION_KEYS: `k1:${key1},k2:${key2}`,
  XC_ENCRYPTION_KEY_ID: "k2",
  XC_LINK_SIGNING_KEY: "link-signing-key-with-at-least-32-chars",
  XERO_CLIENT_ID: "client-id",
  XERO_CLIENT_SECRET: "xero-client-secret-value",
  XERO_IDENTITY_URL: "http://127.0.0.1:5561/",
  XERO_DAY_LIMIT: "1000",
};

describe("config", () => {
  it("parses the environment with defaults", () => {
    const config = loadConfig(env);
    expect(config.encryption.currentKeyId).toBe("k2");
    expect([...config.encryption.keys.keys()]).toStrictEqual(["k1", "k2"]);
    expect(config.xero.identityUrl).toBe("http://127.0.0.1:5561");
    expect(config.xero.limits).toStrictEqual({ concurrent: 5, perMinute: 60, perDay: 1000 });
    expect(config.xero.scopes).toStrictEqual([
      "offline_access",
      "accounting.invoices",
      "accounting.payments",
      "accounting.contacts",
      "accounting.settings",
    ]);
    expect(config.tokens.refreshMarginMs).toBe(300_000);
  });

  it("marks secrets once, in the schema", () => {
    expect(secretSettingNames().sort()).toStrictEqual([
      "AzureWebJobsStorage",
      "DATAVERSE_APP_CLIENT_SECRET",
      "XC_ENCRYPTION_KEYS",
      "XC_LINK_SIGNING_KEY",
      "XERO_CLIENT_SECRET",
      "XERO_WEBHOOK_KEY",
    ]);
    const values = secretValues(env);
    expect(values).toEqual(
      expect.arrayContaining([
        key1,
        key2,
        "c3RvcmFnZS1rZXktZm9yLXRlc3Rz",
        "xero-client-secret-value",
        env.XC_LINK_SIGNING_KEY,
      ]),
    );
    expect(values).not.toContain("devstoreaccount1");
    expect(values.some((value) => value.startsWith("http"))).toBe(false);
  });

  it("refuses bad settings naming the setting, never its value", () => {
    const attempt = () => loadConfig({ ...env, XC_ENCRYPTION_KEYS: "k1:short" });
    expect(attempt).toThrow(SyncError);
    expect(attempt).toThrow(/XC_ENCRYPTION_KEYS/);
    expect(() => loadConfig({ ...env, XC_ENCRYPTION_KEY_ID: "k9" })).toThrow(/XC_ENCRYPTION_KEY_ID/);
  });

  it("reads the service's multi-tenant Dynamics 365 app when both of its settings are set, and only then", () => {
    expect(loadConfig(env).dataverse.app).toBeUndefined();
    const app = {
      DATAVERSE_APP_CLIENT_ID: "11111111-2222-4333-8444-555555555555",
      DATAVERSE_APP_CLIENT_SECRET: "multi-tenant-app-secret",
    };
    const config = loadConfig({ ...env, ...app });
    expect(config.dataverse.app).toStrictEqual({
      clientId: app.DATAVERSE_APP_CLIENT_ID,
      clientSecret: app.DATAVERSE_APP_CLIENT_SECRET,
    });
    // Its secret is redacted like every other secret setting; the client id is public.
    expect(config.secrets).toContain(app.DATAVERSE_APP_CLIENT_SECRET);
    expect(config.secrets).not.toContain(app.DATAVERSE_APP_CLIENT_ID);
    for (const half of [
      { DATAVERSE_APP_CLIENT_ID: app.DATAVERSE_APP_CLIENT_ID },
      { DATAVERSE_APP_CLIENT_SECRET: app.DATAVERSE_APP_CLIENT_SECRET },
    ]) {
      const attempt = () => loadConfig({ ...env, ...half });
      expect(attempt).toThrow(SyncError);
      expect(attempt).toThrow(/DATAVERSE_APP_CLIENT_ID and DATAVERSE_APP_CLIENT_SECRET/);
      expect(attempt).not.toThrow(new RegExp(app.DATAVERSE_APP_CLIENT_SECRET));
    }
  });
});
