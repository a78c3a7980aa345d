// Webhooks registered through the Web API (serviceendpoint + sdkmessageprocessingstep) are delivered after
// matching writes, shaped like Microsoft's documented sample, with the endpoint's authentication.
import type { IncomingMessage, Server } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import sample from "./fixtures/contact-update-async.json";
import type { TestOrg } from "./helpers";
import { entityIdOf, startTestOrg } from "./helpers";

type Json = Record<string, unknown>;

interface Received {
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  raw: string;
  body: Json;
}

/** A tiny receiver: records every call and answers with the next queued status (200 when the queue is empty). */
class Receiver {
  readonly calls: Received[] = [];
  readonly statuses: Array<number | "hang"> = [];
  private server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const url = new URL(request.url ?? "/", "http://127.0.0.1");
        this.calls.push({
          path: url.pathname,
          query: url.searchParams,
          headers: request.headers,
          raw,
          body: JSON.parse(raw) as Json,
        });
        const status = this.statuses.shift() ?? 200;
        if (status === "hang") return;
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const keysOf = (value: unknown): string[] => Object.keys(value as Json).sort();
const attributes = (entity: unknown): Map<string, unknown> =>
  new Map(
    (entity as { Attributes: Array<{ key: string; value: unknown }> }).Attributes.map(({ key, value }) => [key, value]),
  );
const target = (context: Json): unknown =>
  (context["InputParameters"] as Array<{ key: string; value: unknown }>).find((parameter) => parameter.key === "Target")
    ?.value;

/** Registers a webhook the way the service will: a serviceendpoint, then a step that points at it. */
async function registerEndpoint(
  o: TestOrg,
  receiverUrl: string,
  authtype: number,
  authvalue: string,
  path: string,
): Promise<string> {
  const response = await o.api("serviceendpoints", {
    method: "POST",
    json: { name: `Hook ${path}`, contract: 8, url: `${receiverUrl}${path}`, authtype, authvalue, messageformat: 2 },
  });
  return entityIdOf(response);
}

async function firstId(o: TestOrg, query: string, column: string): Promise<string> {
  const body = (await (await o.api(query)).json()) as { value: Json[] };
  return body.value[0]?.[column] as string;
}

async function registerStep(
  o: TestOrg,
  endpoint: string,
  message: string,
  table: string,
  filteringattributes?: string,
): Promise<string> {
  const messageId = await firstId(o, `sdkmessages?$select=name&$filter=name eq '${message}'`, "sdkmessageid");
  const filterId = await firstId(
    o,
    `sdkmessagefilters?$select=name&$filter=primaryobjecttypecode eq '${table}' and _sdkmessageid_value eq ${messageId}`,
    "sdkmessagefilterid",
  );
  const response = await o.api("sdkmessageprocessingsteps", {
    method: "POST",
    json: {
      name: `${table} ${message} ${filteringattributes ?? ""}`,
      stage: 40,
      mode: 1,
      rank: 1,
      supporteddeployment: 0,
      asyncautodelete: false,
      ...(filteringattributes === undefined ? {} : { filteringattributes }),
      "sdkmessageid@odata.bind": `/sdkmessages(${messageId})`,
      "sdkmessagefilterid@odata.bind": `/sdkmessagefilters(${filterId})`,
      "eventhandler_serviceendpoint@odata.bind": `/serviceendpoints(${endpoint})`,
    },
  });
  return entityIdOf(response);
}

describe("webhooks", () => {
  let t: TestOrg;
  const receiver = new Receiver();

  beforeAll(async () => {
    await receiver.start();
    t = await startTestOrg();
  });
  afterAll(async () => {
    await t.dv.stop();
    await receiver.stop();
  });
  beforeEach(() => {
    receiver.calls.length = 0;
    receiver.statuses.length = 0;
  });

  it("posts a RemoteExecutionContext shaped like Microsoft's sample, with the WebhookKey as ?code=", async () => {
    const endpoint = await registerEndpoint(t, receiver.url, 4, "key-123", "/api/dataverse-webhook");
    const stepId = await registerStep(t, endpoint, "Update", "invoice", "mag_addtoxero,mag_xerosyncstatus");
    const invoiceId = entityIdOf(await t.api("invoices", { method: "POST", json: { name: "Hooked" } }));
    await t.dv.webhooks.idle();
    expect(receiver.calls).toHaveLength(0);

    t.clock.advance(5_000);
    await t.api(`invoices(${invoiceId})`, {
      method: "PATCH",
      json: { mag_addtoxero: true, mag_xerosyncstatus: 582100000 },
    });
    await t.dv.webhooks.idle();
    expect(receiver.calls).toHaveLength(1);
    const call = receiver.calls[0] as Received;
    expect(call.path).toBe("/api/dataverse-webhook");
    expect(call.query.get("code")).toBe("key-123");
    expect(call.headers["x-ms-dynamics-entity-name"]).toBe("invoice");
    expect(call.headers["x-ms-dynamics-request-name"]).toBe("Update");
    expect(call.headers["x-ms-dynamics-organization"]).toBe(t.org.url.replace("http://", ""));
    expect(call.headers["x-ms-correlation-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(call.headers["x-ms-dynamics-msg-size-exceeded"]).toBeUndefined();

    const context = call.body;
    expect(keysOf(context)).toStrictEqual(keysOf(sample));
    expect(keysOf(context["ParentContext"])).toStrictEqual(keysOf(sample.ParentContext));
    expect(keysOf(target(context))).toStrictEqual(keysOf(target(sample as unknown as Json)));
    expect(context).toMatchObject({
      MessageName: "Update",
      Mode: 1,
      Stage: 40,
      Depth: 1,
      PrimaryEntityName: "invoice",
      PrimaryEntityId: invoiceId,
      OrganizationId: t.org.organizationId,
      OrganizationName: "contoso",
      UserId: t.org.userId,
      OwningExtension: { Id: stepId, LogicalName: "sdkmessageprocessingstep" },
    });
    const changed = attributes(target(context));
    expect([...changed.keys()].sort()).toStrictEqual([
      "invoiceid",
      "mag_addtoxero",
      "mag_xerosyncstatus",
      "modifiedby",
      "modifiedon",
      "modifiedonbehalfby",
    ]);
    expect(changed.get("mag_addtoxero")).toBe(true);
    expect(changed.get("mag_xerosyncstatus")).toStrictEqual({
      __type: "OptionSetValue:http://schemas.microsoft.com/xrm/2011/Contracts",
      Value: 582100000,
    });
    expect(changed.get("modifiedon")).toBe(`/Date(${Date.UTC(2026, 2, 15, 9, 30, 5)})/`);
    expect(keysOf(changed.get("modifiedby"))).toStrictEqual(
      keysOf(attributes(target(sample as unknown as Json)).get("modifiedby")),
    );
    expect(changed.get("modifiedonbehalfby")).toBeNull();
    expect(call.raw).toContain('"\\/Date(');
    expect(call.raw).toContain('"Entity:http:\\/\\/schemas.microsoft.com\\/xrm\\/2011\\/Contracts"');
    expect(t.dv.webhooks.deliveries.at(-1)).toMatchObject({ outcome: 200, attempts: 1, recordId: invoiceId });
  });

  it("respects filtering attributes: no call when none of them changed", async () => {
    const invoiceId = entityIdOf(await t.api("invoices", { method: "POST", json: { name: "Filtered" } }));
    await t.api(`invoices(${invoiceId})`, { method: "PATCH", json: { name: "Renamed", mag_reference: "PO-9" } });
    await t.dv.webhooks.idle();
    expect(receiver.calls).toHaveLength(0);
    await t.api(`invoices(${invoiceId})`, { method: "PATCH", json: { mag_xerosyncstatus: 582100003 } });
    await t.dv.webhooks.idle();
    expect(receiver.calls).toHaveLength(1);
  });

  it("retries once on 503 and not on 500", async () => {
    const invoiceId = entityIdOf(await t.api("invoices", { method: "POST", json: { name: "Retried" } }));
    receiver.statuses.push(503);
    await t.api(`invoices(${invoiceId})`, { method: "PATCH", json: { mag_addtoxero: true } });
    await t.dv.webhooks.idle();
    expect(receiver.calls).toHaveLength(2);
    expect(t.dv.webhooks.deliveries.at(-1)).toMatchObject({ outcome: 200, attempts: 2 });
    receiver.statuses.push(500);
    await t.api(`invoices(${invoiceId})`, { method: "PATCH", json: { mag_addtoxero: false } });
    await t.dv.webhooks.idle();
    expect(receiver.calls).toHaveLength(3);
    expect(t.dv.webhooks.deliveries.at(-1)).toMatchObject({ outcome: 500, attempts: 1 });
  });

  it("gives up on a receiver that does not answer within the timeout, without retrying", async () => {
    // Its own emulator with a short timeout: the receiver never answers, so the outcome does not depend on speed.
    const slow = await startTestOrg({ webhookTimeoutMs: 200 });
    try {
      const endpoint = await registerEndpoint(slow, receiver.url, 4, "key-slow", "/slow");
      await registerStep(slow, endpoint, "Update", "invoice", "mag_addtoxero");
      const invoiceId = entityIdOf(await slow.api("invoices", { method: "POST", json: { name: "Slow" } }));
      receiver.statuses.push("hang");
      await slow.api(`invoices(${invoiceId})`, { method: "PATCH", json: { mag_addtoxero: true } });
      await slow.dv.webhooks.idle();
      expect(receiver.calls.filter((call) => call.path === "/slow")).toHaveLength(1);
      expect(slow.dv.webhooks.deliveries.at(-1)).toMatchObject({ outcome: "timeout", attempts: 1 });
    } finally {
      await slow.dv.stop();
    }
  });

  it("sends HttpHeader settings as headers and posts Create contexts with every column and the new id", async () => {
    const endpoint = await registerEndpoint(
      t,
      receiver.url,
      5,
      '<settings><setting name="x-api-key" value="secret-&amp;-1" /></settings>',
      "/creditnotes",
    );
    await registerStep(t, endpoint, "Create", "mag_creditnote");
    const creditNoteId = entityIdOf(
      await t.api("mag_creditnotes", {
        method: "POST",
        json: { mag_name: "CN-1", mag_amount: 12.5, mag_addtoxero: true },
      }),
    );
    await t.dv.webhooks.idle();
    const call = receiver.calls.find((candidate) => candidate.path === "/creditnotes");
    expect(call?.headers["x-api-key"]).toBe("secret-&-1");
    expect(call?.query.get("code")).toBeNull();
    const context = call?.body as Json;
    expect(context["MessageName"]).toBe("Create");
    expect(context["OutputParameters"]).toStrictEqual([{ key: "id", value: creditNoteId }]);
    const columns = attributes(target(context));
    expect(columns.get("mag_name")).toBe("CN-1");
    expect(columns.get("mag_amount")).toStrictEqual({
      __type: "Money:http://schemas.microsoft.com/xrm/2011/Contracts",
      Value: 12.5,
    });
    expect(columns.get("createdon")).toMatch(/^\/Date\(\d+\)\/$/);
    expect(columns.get("ownerid")).toMatchObject({ LogicalName: "systemuser", Id: t.org.userId });
  });

  it("adds registered pre- and post-images", async () => {
    const endpoint = await registerEndpoint(t, receiver.url, 4, "key-images", "/images");
    const stepId = await registerStep(t, endpoint, "Update", "account", "name");
    for (const [imagetype, entityalias] of [
      [0, "PreImage"],
      [1, "PostImage"],
    ] as const) {
      const image = await t.api("sdkmessageprocessingstepimages", {
        method: "POST",
        json: {
          name: entityalias,
          entityalias,
          imagetype,
          messagepropertyname: "Target",
          attributes: "name,accountnumber",
          "sdkmessageprocessingstepid@odata.bind": `/sdkmessageprocessingsteps(${stepId})`,
        },
      });
      expect(image.status).toBe(204);
    }
    const accountId = entityIdOf(
      await t.api("accounts", { method: "POST", json: { name: "Before", accountnumber: "IMG-1" } }),
    );
    await t.api(`accounts(${accountId})`, { method: "PATCH", json: { name: "After" } });
    await t.dv.webhooks.idle();
    const context = receiver.calls.find((call) => call.path === "/images")?.body as Json;
    const images = (key: string) =>
      new Map(
        (context[key] as Array<{ key: string; value: unknown }>).map((image) => [image.key, attributes(image.value)]),
      );
    expect(images("PreEntityImages").get("PreImage")).toStrictEqual(
      new Map<string, unknown>([
        ["name", "Before"],
        ["accountnumber", "IMG-1"],
      ]),
    );
    expect(images("PostEntityImages").get("PostImage")?.get("name")).toBe("After");
    expect(images("PostEntityImages").get("AsynchronousStepPrimaryName")?.get("name")).toBe("After");
  });

  it("drops the documented parts and flags contexts over 256 KB", async () => {
    const endpoint = await registerEndpoint(
      t,
      receiver.url,
      6,
      '<settings><setting name="token" value="q-1" /></settings>',
      "/big",
    );
    const stepId = await registerStep(t, endpoint, "Update", "sdkmessageprocessingstep", "configuration");
    await t.api(`sdkmessageprocessingsteps(${stepId})`, {
      method: "PATCH",
      json: { configuration: "x".repeat(300 * 1024) },
    });
    await t.dv.webhooks.idle();
    const call = receiver.calls.find((candidate) => candidate.path === "/big");
    expect(call?.query.get("token")).toBe("q-1");
    expect(call?.headers["x-ms-dynamics-msg-size-exceeded"]).toBe("true");
    expect(call?.body).toMatchObject({
      ParentContext: null,
      InputParameters: [],
      PreEntityImages: [],
      PostEntityImages: [],
      MessageName: "Update",
    });
  });
});
