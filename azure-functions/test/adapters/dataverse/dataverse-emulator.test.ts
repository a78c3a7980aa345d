// The client against the sandbox's Dataverse emulator (schema from the generated metadata, the Entra stand-in for
// tokens, $batch, alternate keys, N:N $ref, paging).
import { startDataverseEmulator, type DataverseEmulator, type DataverseOrganisation } from "../../../../sandbox/src/dataverse";
import { createDataverseClient, type DataverseWebApiClient } from "../../../src/adapters/dataverse/web-api-client";
import { filter, toStringLiteral } from "../../../src/adapters/dataverse/odata";
import { account, contact, manyToMany } from "../../../src/generated/dataverse";
import { createMemoryLogger } from "../../../src/core/logger";
import { findSecretsInLogs } from "../../support/log-scan";

describe("DataverseWebApiClient (against the Dataverse emulator)", () => {
  let emulator: DataverseEmulator;
  let org: DataverseOrganisation;
  let client: DataverseWebApiClient;
  const logger = createMemoryLogger();

  beforeAll(async () => {
    emulator = await startDataverseEmulator();
    org = emulator.createOrganisation("clienttest");
    client = createDataverseClient({ url: org.url, tenantId: org.tenantId, clientId: org.clientId, clientSecret: org.clientSecret }, { authorityUrl: emulator.url, logger });
  });
  afterAll(async () => {
    await emulator.stop();
  });

  it("authenticates with client credentials and answers WhoAmI", async () => {
    expect(await client.whoAmI()).toMatchObject({ UserId: org.userId, BusinessUnitId: org.businessUnitId, OrganizationId: org.organizationId });
  });

  it("refuses a wrong client secret as an auth error", async () => {
    const wrong = createDataverseClient({ url: org.url, tenantId: org.tenantId, clientId: org.clientId, clientSecret: "not-the-secret" }, { authorityUrl: emulator.url });
    await expect(wrong.whoAmI()).rejects.toMatchObject({ kind: "auth" });
  });

  it("creates, reads by id and alternate key, updates and upserts", async () => {
    const id = await client.create(account.entitySetName, { [account.columns.name]: "Contoso O'Neil", [account.columns.mag_xerocontactid]: "xc-1" });
    expect(await client.retrieve<{ name: string }>(account.entitySetName, id, { select: [account.columns.name] })).toMatchObject({ name: "Contoso O'Neil" });
    expect(await client.retrieve<{ accountid: string }>(account.entitySetName, { mag_xerocontactid: "xc-1" }, { select: [account.columns.accountid] })).toMatchObject({ accountid: id });
    await client.update(account.entitySetName, id, { [account.columns.name]: "Contoso" });
    const rows = await client.retrieveMultiple<{ accountid: string }>(account.entitySetName, { select: ["accountid"], filter: filter`name eq ${toStringLiteral("Contoso")}` });
    expect(rows.map((row) => row.accountid)).toStrictEqual([id]);
    await expect(client.upsert(account.entitySetName, { mag_xerocontactid: "xc-1" }, { name: "dup" }, "createOnly")).rejects.toMatchObject({ kind: "conflict" });
    const upserted = await client.upsert(account.entitySetName, { mag_xerocontactid: "xc-2" }, { name: "Fabrikam" }, "upsert", { select: ["accountid"] });
    expect(upserted.created).toBe(true);
    expect(await client.upsert(account.entitySetName, { mag_xerocontactid: "xc-2" }, { name: "Fabrikam 2" }, "upsert", { select: ["accountid"] })).toStrictEqual({ id: upserted.id, created: false });
    await expect(client.update(account.entitySetName, "00000000-0000-0000-0000-00000000abcd", { name: "x" })).rejects.toMatchObject({ details: { status: 404 } });
  });

  it("pages with odata.maxpagesize", async () => {
    for (let index = 0; index < 7; index++) await client.create(contact.entitySetName, { lastname: `Page ${index}` });
    const pages: number[] = [];
    for await (const page of client.retrievePages(contact.entitySetName, { select: ["lastname"], filter: filter`startswith(lastname,${toStringLiteral("Page ")})` }, { pageSize: 3 })) {
      pages.push(page.length);
    }
    expect(pages).toStrictEqual([3, 3, 1]);
  });

  it("associates N:N billing contacts through $ref", async () => {
    const accountId = await client.create(account.entitySetName, { name: "With contacts" });
    const contactId = await client.create(contact.entitySetName, { lastname: "Billing" });
    const navigation = manyToMany.mag_Account_Contact_BillingContacts.navigationFromEntity1;
    await client.associate(account.entitySetName, accountId, navigation, contact.entitySetName, contactId);
    const linked = await client.retrieve<Record<string, { contactid: string }[]>>(account.entitySetName, accountId, { select: ["accountid"], expand: [{ property: navigation, select: ["contactid"] }] });
    expect(linked?.[navigation]?.map((row) => row.contactid)).toStrictEqual([contactId]);
    await client.disassociate(account.entitySetName, accountId, navigation, contactId);
    const unlinked = await client.retrieve<Record<string, unknown[]>>(account.entitySetName, accountId, { select: ["accountid"], expand: [{ property: navigation, select: ["contactid"] }] });
    expect(unlinked?.[navigation]).toStrictEqual([]);
  });

  it("writes back through one $batch: change sets roll back together, other operations go on", async () => {
    const good = await client.create(account.entitySetName, { name: "Batch A" });
    const before = emulator.requestCount(org);
    const results = await client.executeBatch([
      { method: "PATCH", path: `accounts(${good})`, headers: { "If-Match": "*" }, body: { name: "Batch A2" } },
      { changeSet: [
        { method: "POST", path: "accounts", body: { name: "In failed set" } },
        { method: "PATCH", path: "accounts(00000000-0000-0000-0000-00000000dead)", headers: { "If-Match": "*" }, body: { name: "missing" } },
      ] },
      { method: "POST", path: "accounts", body: { name: "Batch C" } },
    ]);
    expect(emulator.requestCount(org) - before).toBe(1);
    expect(results.map((result) => result.status)).toStrictEqual([204, 404, 404, 204]);
    expect(results[1]?.error?.kind).toBe("validation");
    expect(results[3]?.id).toMatch(/^[0-9a-f-]{36}$/);
    const names = (await client.retrieveMultiple<{ name: string }>(account.entitySetName, { select: ["name"], filter: filter`startswith(name,${toStringLiteral("Batch")})` })).map((row) => row.name).sort();
    expect(names).toStrictEqual(["Batch A2", "Batch C"]);
    expect(emulator.store.list(org, "account").some((row) => row["name"] === "In failed set")).toBe(false);
  });

  it("counts its requests as the emulator does", () => {
    expect(client.stats().requests).toBe(emulator.requestCount(org));
  });

  it("emitted no token, secret or code in any log line", () => {
    expect(findSecretsInLogs(logger.entries, [org.clientSecret])).toStrictEqual([]);
  });
});
