import { createDataverseClient, type DataverseWebApiClient } from "../../../src/adapters/dataverse/web-api-client";
import { filter, toNumberLiteral } from "../../../src/adapters/dataverse/odata";
import { ManualClock } from "../../../src/core/clock";
import { createMemoryLogger } from "../../../src/core/logger";
import { SyncError } from "../../../src/core/errors";
import { startTestServer, type RecordedRequest, type Reply, type TestServer } from "../../support/http-server";
import { findSecretsInLogs } from "../../support/log-scan";
import { recordingSleep } from "../../support/storage";

const tenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const clientSecret = "dataverse-client-secret-1";
const accountId = "aaaaaaaa-0000-0000-0000-000000000001";

describe("DataverseWebApiClient (against a local fake Web API)", () => {
  let server: TestServer;
  let route: (request: RecordedRequest) => Reply;
  let tokenNumber = 0;
  const logger = createMemoryLogger();
  const clock = new ManualClock(Date.UTC(2026, 2, 1));
  const sleeps: number[] = [];
  let client: DataverseWebApiClient;

  beforeAll(async () => {
    server = await startTestServer((request) => {
      if (request.url === `/${tenantId}/oauth2/v2.0/token`) {
        tokenNumber++;
        return { body: { token_type: "Bearer", expires_in: 3600, access_token: `eyJ0eXAiOiJKV1QifQ.eyJ0b2tlbiI6${tokenNumber}fQ.sig${tokenNumber}` } };
      }
      return route(request);
    });
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(() => {
    server.requests.length = 0;
    sleeps.length = 0;
    client = createDataverseClient(
      { url: `${server.url}/org1`, tenantId, clientId: "app-1", clientSecret },
      { authorityUrl: server.url, clock, logger, sleep: recordingSleep(sleeps), random: () => 0 },
    );
  });

  const apiRequests = () => server.requests.filter((request) => !request.url.includes("oauth2"));

  it("acquires a client-credentials token once and reuses it until it nears expiry", async () => {
    route = () => ({ body: { UserId: "u", BusinessUnitId: "b", OrganizationId: "o" } });
    await client.whoAmI();
    await client.whoAmI();
    const tokenRequests = server.requests.filter((request) => request.url.includes("oauth2"));
    expect(tokenRequests).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(tokenRequests[0]?.body))).toStrictEqual({
      grant_type: "client_credentials",
      client_id: "app-1",
      client_secret: clientSecret,
      scope: `${server.url}/org1/.default`,
    });
    expect(apiRequests()[0]?.headers.authorization).toMatch(/^Bearer eyJ/);
    clock.advance(56 * 60_000);
    await client.whoAmI();
    expect(client.stats()).toStrictEqual({ requests: 3, tokenRequests: 2 });
  });

  it("pages through @odata.nextLink with odata.maxpagesize", async () => {
    route = (request) => {
      const page = new URL(request.url, server.url).searchParams.get("page");
      if (page === null) return { body: { value: [{ n: 1 }, { n: 2 }], "@odata.nextLink": `${server.url}/org1/api/data/v9.2/invoices?page=2` } };
      return { body: { value: [{ n: 3 }] } };
    };
    const rows = await client.retrieveMultiple<{ n: number }>("invoices", { select: ["name"], filter: filter`statecode eq ${toNumberLiteral(0)}` }, { pageSize: 2 });
    expect(rows).toStrictEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const [first, second] = apiRequests();
    expect(first?.url).toBe("/org1/api/data/v9.2/invoices?$select=name&$filter=statecode%20eq%200");
    expect(first?.headers.prefer).toBe("odata.maxpagesize=2");
    expect(second?.headers.prefer).toBe("odata.maxpagesize=2");
  });

  it("refuses to follow a next link to another host", async () => {
    route = () => ({ body: { value: [], "@odata.nextLink": "http://elsewhere.example/steal" } });
    await expect(client.retrieveMultiple("invoices", {})).rejects.toThrow(/outside its Web API/);
  });

  it("retrieves by id and by alternate key, 404 as undefined", async () => {
    route = (request) => (request.url.includes("mag_xerocontactid") ? { status: 404, body: { error: { code: "0x80040217", message: "not found" } } } : { body: { accountid: accountId } });
    expect(await client.retrieve("accounts", accountId, { select: ["name"] })).toStrictEqual({ accountid: accountId });
    expect(await client.retrieve("accounts", { mag_xerocontactid: "c'1" })).toBeUndefined();
    expect(apiRequests().map((request) => request.url)).toStrictEqual([
      `/org1/api/data/v9.2/accounts(${accountId})?$select=name`,
      "/org1/api/data/v9.2/accounts(mag_xerocontactid='c''1')",
    ]);
  });

  it("creates, updates with If-Match, upserts with If-None-Match, encoding bodies once", async () => {
    route = (request) => {
      if (request.method === "POST") return { status: 204, headers: { "OData-EntityId": `${server.url}/org1/api/data/v9.2/accounts(${accountId.toUpperCase()})` } };
      if (request.headers["if-none-match"] === "*") return { status: 201, headers: { "OData-EntityId": `${server.url}/org1/api/data/v9.2/accounts(${accountId})` } };
      return { status: 204 };
    };
    expect(await client.create("accounts", { name: "Contoso" })).toBe(accountId);
    await client.update("accounts", accountId, { name: "C2" });
    await client.update("accounts", accountId, { name: "C3" }, { ifMatch: 'W/"123"' });
    expect(await client.upsert("accounts", { accountnumber: "A-1" }, { name: "C4" }, "createOnly")).toStrictEqual({ id: accountId, created: true });
    const requests = apiRequests();
    expect(requests.map((request) => [request.method, request.headers["if-match"], request.headers["if-none-match"], request.body])).toStrictEqual([
      ["POST", undefined, undefined, '{"name":"Contoso"}'],
      ["PATCH", "*", undefined, '{"name":"C2"}'],
      ["PATCH", 'W/"123"', undefined, '{"name":"C3"}'],
      ["PATCH", undefined, "*", '{"name":"C4"}'],
    ]);
    expect(requests[3]?.headers.prefer).toBe("return=representation");
  });

  it("associates and disassociates through $ref", async () => {
    route = () => ({ status: 204 });
    const contactId = "cccccccc-0000-0000-0000-000000000001";
    await client.associate("accounts", accountId, "mag_Account_Contact_BillingContacts", "contacts", contactId);
    await client.disassociate("accounts", accountId, "mag_Account_Contact_BillingContacts", contactId);
    const [associate, disassociate] = apiRequests();
    expect([associate?.method, associate?.url, JSON.parse(associate?.body ?? "")]).toStrictEqual([
      "POST",
      `/org1/api/data/v9.2/accounts(${accountId})/mag_Account_Contact_BillingContacts/$ref`,
      { "@odata.id": `${server.url}/org1/api/data/v9.2/contacts(${contactId})` },
    ]);
    expect([disassociate?.method, disassociate?.url]).toStrictEqual(["DELETE", `/org1/api/data/v9.2/accounts(${accountId})/mag_Account_Contact_BillingContacts(${contactId})/$ref`]);
  });

  it("waits out a 429 with Retry-After, then succeeds", async () => {
    let calls = 0;
    route = () => (++calls === 1 ? { status: 429, headers: { "Retry-After": "3" }, body: { error: { code: "0x80072322", message: "Number of requests exceeded the limit" } } } : { body: { UserId: "u" } });
    await client.whoAmI();
    expect(sleeps).toStrictEqual([3000]);
    expect(apiRequests()).toHaveLength(2);
  });

  it("renews the token once after a 401", async () => {
    let calls = 0;
    route = () => (++calls === 1 ? { status: 401, body: "" } : { body: { UserId: "u" } });
    const before = client.stats().tokenRequests;
    await client.whoAmI();
    expect(client.stats().tokenRequests).toBe(before + 2);
  });

  it("normalises errors to SyncError without retrying conflicts", async () => {
    route = () => ({ status: 412, body: { error: { code: "0x80060882", message: "The version of the existing record doesn't match" } } });
    const failure = await client.update("accounts", accountId, { name: "x" }, { ifMatch: 'W/"1"' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SyncError);
    expect((failure as SyncError).toJSON()).toMatchObject({ kind: "conflict", details: { source: "dataverse", status: 412, type: "0x80060882" } });
    expect(apiRequests()).toHaveLength(1);
  });

  it("sends $batch with change sets, one request per 1,000 operations, and maps each result", async () => {
    route = (request) => {
      const boundary = /boundary=(\S+)/.exec(String(request.headers["content-type"]))?.[1] ?? "";
      const operations = request.body.split(`--${boundary}`).length - 2;
      const parts = Array.from({ length: operations }, (_unused, index) =>
        [
          "--batchresponse_X",
          "Content-Type: application/http",
          "Content-Transfer-Encoding: binary",
          "",
          index === 1 ? "HTTP/1.1 400 Bad Request" : "HTTP/1.1 204 No Content",
          "Content-Type: application/json",
          "",
          index === 1 ? '{"error":{"code":"0x80040203","message":"Invalid value"}}' : "",
        ].join("\r\n"),
      );
      return { headers: { "Content-Type": "multipart/mixed; boundary=batchresponse_X" }, body: [...parts, "--batchresponse_X--", ""].join("\r\n") };
    };
    const operations = Array.from({ length: 1500 }, (_unused, index) => ({ method: "PATCH" as const, path: `invoices(${accountId})`, body: { n: index } }));
    const results = await client.executeBatch(operations);
    const batchRequests = apiRequests();
    expect(batchRequests.map((request) => [request.url, request.headers.prefer])).toStrictEqual([
      ["/org1/api/data/v9.2/$batch", "odata.continue-on-error"],
      ["/org1/api/data/v9.2/$batch", "odata.continue-on-error"],
    ]);
    expect(results).toHaveLength(1500);
    expect(results.filter((result) => result.error !== undefined).map((result) => result.error?.details.message)).toStrictEqual(["Invalid value", "Invalid value"]);
    expect(results[1]?.error?.kind).toBe("validation");
  });

  it("emitted no token, secret or code in any log line", () => {
    expect(logger.entries.length).toBeGreaterThan(0);
    expect(findSecretsInLogs(logger.entries, [clientSecret])).toStrictEqual([]);
  });
});
