// $batch: change sets are atomic, Content-ID references resolve, the 1,000-operation limit holds, and without
// continue-on-error the batch stops at the first failure.
import type { TestOrg } from "./helpers";
import { entityIdOf, startTestOrg } from "./helpers";

type Operation = { method: string; url: string; body?: unknown; contentId?: string };

/** Builds a batch body with CRLF line breaks, as Dataverse requires. */
function toBatch(items: Array<Operation | Operation[]>): { body: string; contentType: string } {
  const batch = "batch_7f3e";
  const lines: string[] = [];
  const operation = (op: Operation): string[] => [
    "Content-Type: application/http",
    "Content-Transfer-Encoding: binary",
    ...(op.contentId === undefined ? [] : [`Content-ID: ${op.contentId}`]),
    "",
    `${op.method} ${op.url} HTTP/1.1`,
    ...(op.body === undefined ? [] : ["Content-Type: application/json; type=entry"]),
    "",
    op.body === undefined ? "" : JSON.stringify(op.body),
  ];
  items.forEach((item, index) => {
    lines.push(`--${batch}`);
    if (Array.isArray(item)) {
      const changeSet = `changeset_${index}`;
      lines.push(`Content-Type: multipart/mixed; boundary=${changeSet}`, "");
      for (const op of item) lines.push(`--${changeSet}`, ...operation(op));
      lines.push(`--${changeSet}--`);
    } else {
      lines.push(...operation(item));
    }
  });
  lines.push(`--${batch}--`, "");
  return { body: lines.join("\r\n"), contentType: `multipart/mixed; boundary=${batch}` };
}

describe("$batch", () => {
  let t: TestOrg;
  beforeAll(async () => {
    t = await startTestOrg();
  });
  afterAll(async () => {
    await t.dv.stop();
  });

  const send = (items: Array<Operation | Operation[]>, prefer?: string) => {
    const { body, contentType } = toBatch(items);
    return t.api("$batch", {
      method: "POST",
      body,
      headers: { "Content-Type": contentType, ...(prefer === undefined ? {} : { Prefer: prefer }) },
    });
  };

  it("runs a change set with Content-ID references and a GET after it", async () => {
    const before = t.dv.requestCount(t.org);
    const response = await send([
      [
        { method: "POST", url: "/api/data/v9.2/accounts", body: { name: "Batch Account" }, contentId: "1" },
        {
          method: "POST",
          url: `${t.org.webApiUrl}invoices`,
          body: { name: "Batch Invoice", "customerid_account@odata.bind": "$1" },
          contentId: "2",
        },
        {
          method: "POST",
          url: "invoicedetails",
          body: {
            "invoiceid@odata.bind": "$2",
            isproductoverridden: true,
            productdescription: "Line",
            quantity: 2,
            priceperunit: 10,
          },
          contentId: "3",
        },
        { method: "PATCH", url: "$1", body: { accountnumber: "B-1" }, contentId: "4" },
        {
          method: "PATCH",
          url: `${new URL(t.org.webApiUrl).pathname}accounts(mag_xerocontactid='XC-1')`,
          body: { name: "Keyed" },
          contentId: "5",
        },
      ],
      { method: "GET", url: encodeURI("accounts?$select=name,accountnumber&$filter=name eq 'Batch Account'") },
    ]);
    expect(response.status).toBe(200);
    expect(t.dv.requestCount(t.org) - before).toBe(1);
    expect(response.headers.get("content-type")).toMatch(/^multipart\/mixed; boundary=batchresponse_/);
    const text = await response.text();
    expect(text.match(/HTTP\/1\.1 204 No Content/g)).toHaveLength(5);
    expect(t.dv.store.list(t.org, "account").some((row) => row["mag_xerocontactid"] === "XC-1")).toBe(true);
    expect(text).toMatch(
      /--changesetresponse_[0-9a-f-]+\r\nContent-Type: application\/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 1\r\n/,
    );
    expect(text).toContain('"accountnumber":"B-1"');
    const invoice = t.dv.store.list(t.org, "invoice").find((row) => row["name"] === "Batch Invoice");
    expect(invoice?.["totalamount"]).toBe(20);
  });

  it("resolves $n in $ref bodies: the documented account / contact linking example", async () => {
    const response = await send([
      [
        { method: "POST", url: "accounts", body: { name: "Linked Account" }, contentId: "1" },
        { method: "POST", url: "contacts", body: { firstname: "Linked", lastname: "Contact" }, contentId: "2" },
        { method: "PUT", url: "$1/primarycontactid/$ref", body: { "@odata.id": "$2" }, contentId: "3" },
        {
          method: "POST",
          url: "$1/mag_Account_Contact_BillingContacts/$ref",
          body: { "@odata.id": "$2" },
          contentId: "4",
        },
      ],
    ]);
    expect(response.status).toBe(200);
    const account = t.dv.store.list(t.org, "account").find((row) => row["name"] === "Linked Account");
    const contact = t.dv.store.list(t.org, "contact").find((row) => row["lastname"] === "Contact");
    expect(account?.["primarycontactid"]).toStrictEqual({ id: contact?.["contactid"], table: "contact" });
    const billing = (await (
      await t.api(`accounts(${account?.["accountid"] as string})/mag_Account_Contact_BillingContacts?$select=lastname`)
    ).json()) as { value: Array<Record<string, unknown>> };
    expect(billing.value.map((row) => row["lastname"])).toStrictEqual(["Contact"]);
  });

  it("rolls back the whole change set when one operation fails", async () => {
    const response = await send([
      [
        { method: "POST", url: "accounts", body: { name: "Rolled Back 1" }, contentId: "1" },
        { method: "POST", url: "accounts", body: { name: "Rolled Back 2" }, contentId: "2" },
        { method: "POST", url: "accounts", body: { name: "x".repeat(200) }, contentId: "3" },
      ],
    ]);
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain("HTTP/1.1 400 Bad Request");
    expect(text).toContain('"code":"0x80044331"');
    expect(
      t.dv.store.list(t.org, "account").filter((row) => `${row["name"] as string}`.startsWith("Rolled Back")),
    ).toHaveLength(0);
  });

  it("stops at the first failure, or continues with Prefer: odata.continue-on-error", async () => {
    const items: Operation[] = [
      { method: "POST", url: "accounts", body: { name: "Before failure" } },
      { method: "POST", url: "accounts", body: { nosuch: 1 } },
      { method: "POST", url: "accounts", body: { name: "After failure" } },
    ];
    const stopped = await send(items);
    expect(stopped.status).toBe(400);
    expect(t.dv.store.list(t.org, "account").some((row) => row["name"] === "After failure")).toBe(false);
    const continued = await send(items, "odata.continue-on-error");
    expect(continued.status).toBe(200);
    const text = await continued.text();
    expect(text.match(/HTTP\/1\.1 204 No Content/g)).toHaveLength(2);
    expect(text.match(/HTTP\/1\.1 400 Bad Request/g)).toHaveLength(1);
    expect(t.dv.store.list(t.org, "account").some((row) => row["name"] === "After failure")).toBe(true);
  });

  it("takes 1,000 operations and refuses 1,001", async () => {
    const many = (count: number): Operation[][] => [
      Array.from({ length: count }, (_, index) => ({
        method: "POST",
        url: "contacts",
        body: { lastname: `Bulk ${index}` },
        contentId: String(index + 1),
      })),
    ];
    const tooMany = await send(many(1001));
    expect(tooMany.status).toBe(400);
    expect(
      t.dv.store.list(t.org, "contact").filter((row) => `${row["lastname"] as string}`.startsWith("Bulk")),
    ).toHaveLength(0);
    const limit = await send(many(1000));
    expect(limit.status).toBe(200);
    expect(
      t.dv.store.list(t.org, "contact").filter((row) => `${row["lastname"] as string}`.startsWith("Bulk")),
    ).toHaveLength(1000);
  });

  it("refuses a GET inside a change set and a body without a boundary", async () => {
    const id = entityIdOf(await t.api("accounts", { method: "POST", json: { name: "Readable" } }));
    const response = await send([[{ method: "GET", url: `accounts(${id})` }]]);
    expect(response.status).toBe(400);
    const noBoundary = await t.api("$batch", {
      method: "POST",
      body: "x",
      headers: { "Content-Type": "multipart/mixed" },
    });
    expect(noBoundary.status).toBe(400);
  });
});
