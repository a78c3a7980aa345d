import { startDataverseEmulator, type DataverseEmulator, type DataverseOrganisation } from "../../../../sandbox/src/dataverse";
import { isAcceptableEnvironmentUrl, verifyDynamicsCredentials } from "../../../src/adapters/dataverse/verify-credentials";
import { findFreePort } from "../../../../sandbox/src/free-port";
import { startTestServer, type Reply, type TestServer } from "../../support/http-server";

describe("verifyDynamicsCredentials", () => {
  let emulator: DataverseEmulator;
  let org: DataverseOrganisation;
  let fake: TestServer;
  let fakeWebApi: (path: string) => Reply;

  beforeAll(async () => {
    emulator = await startDataverseEmulator();
    org = emulator.createOrganisation("verifytest");
    fake = await startTestServer((request) =>
      request.url.includes("/oauth2/") ? { body: { token_type: "Bearer", expires_in: 3600, access_token: "fake-access-token-1" } } : fakeWebApi(request.url),
    );
  });
  afterAll(async () => {
    await Promise.all([emulator.stop(), fake.stop()]);
  });

  const good = () => ({ url: org.url, tenantId: org.tenantId, clientId: org.clientId, clientSecret: org.clientSecret });
  const verify = (changes: Partial<ReturnType<typeof good>>) => verifyDynamicsCredentials({ ...good(), ...changes }, { authorityUrl: emulator.url });

  it("accepts working credentials and returns WhoAmI", async () => {
    expect(await verify({})).toMatchObject({ ok: true, whoAmI: { UserId: org.userId, OrganizationId: org.organizationId } });
  });

  it("names each thing that is wrong", async () => {
    expect(await verify({ clientSecret: "the-secret-id-not-its-value" })).toMatchObject({ ok: false, problem: "bad-secret" });
    expect(await verify({ clientId: "00000000-0000-0000-0000-000000000001" })).toMatchObject({ ok: false, problem: "bad-client-id" });
    expect(await verify({ tenantId: "00000000-0000-0000-0000-000000000002" })).toMatchObject({ ok: false, problem: "bad-tenant" });
    expect(await verify({ url: `${emulator.url}/someoneelse` })).toMatchObject({ ok: false, problem: "bad-url" });
    expect(await verify({ url: "ftp://contoso.crm.dynamics.com" })).toMatchObject({ ok: false, problem: "bad-url" });
    const closedPort = await findFreePort();
    expect(await verifyDynamicsCredentials(good(), { authorityUrl: `http://127.0.0.1:${closedPort}` })).toMatchObject({ ok: false, problem: "unreachable" });
  });

  it("tells a missing application user, a missing role and a missing solution apart", async () => {
    const check = () => verifyDynamicsCredentials({ url: `${fake.url}/org`, tenantId: "t", clientId: "c", clientSecret: "s-123456789" }, { authorityUrl: fake.url });
    fakeWebApi = () => ({ status: 403, body: { error: { code: "0x80072560", message: "The user is not a member of the organization." } } });
    expect(await check()).toMatchObject({ ok: false, problem: "no-application-user", action: expect.stringMatching(/application user/) });
    fakeWebApi = (path) => (path.endsWith("WhoAmI") ? { body: { UserId: "u", BusinessUnitId: "b", OrganizationId: "o" } } : { status: 403, body: { error: { code: "0x80040220", message: "missing prvReadmag_xeroconnector" } } });
    expect(await check()).toMatchObject({ ok: false, problem: "missing-role" });
    fakeWebApi = (path) => (path.endsWith("WhoAmI") ? { body: { UserId: "u", BusinessUnitId: "b", OrganizationId: "o" } } : { status: 404, body: { error: { code: "0x80060888", message: "Resource not found for the segment 'mag_xeroconnectors'." } } });
    expect(await check()).toMatchObject({ ok: false, problem: "solution-missing" });
  });

  it("accepts https and loopback http environment URLs only", () => {
    expect(["https://contoso.crm.dynamics.com", "http://127.0.0.1:5555/org"].map(isAcceptableEnvironmentUrl)).toStrictEqual([true, true]);
    expect(["http://contoso.crm.dynamics.com", "https://user:pw@contoso.crm.dynamics.com", "not a url", "https://x.crm.dynamics.com/?a=1"].map(isAcceptableEnvironmentUrl)).toStrictEqual([false, false, false, false]);
  });
});
