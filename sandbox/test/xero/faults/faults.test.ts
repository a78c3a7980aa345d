import { Invoice, type Invoices } from "xero-node";
import { Faults } from "../../../src/xero/faults/faults";
import { clientFor, expectNoSpecViolations, rejectionOf, startHarness, type Harness } from "../harness";

describe("Faults", () => {
  it("hits the next N matching calls, by method and path prefix", () => {
    const faults = new Faults();
    faults.inject({ kind: "500", count: 2, match: { method: "put", path: "/Invoices" } });
    expect(faults.take("GET", "/Invoices")).toEqual([]);
    expect(faults.take("PUT", "/Contacts")).toEqual([]);
    expect(faults.take("PUT", "/invoices").map((spec) => spec.kind)).toEqual(["500"]);
    expect(faults.take("PUT", "/Invoices/abc").map((spec) => spec.kind)).toEqual(["500"]);
    expect(faults.take("PUT", "/Invoices")).toEqual([]);
    expect(faults.injectedCount()).toBe(2);
  });

  it("hits with a probability drawn from the random source it is given", () => {
    const draws = [0.1, 0.9, 0.2, 0.95];
    const faults = new Faults(() => draws.shift() ?? 1);
    faults.inject({ kind: "503", probability: 0.5 });
    const hits = [1, 2, 3, 4].map(() => faults.take("GET", "/Invoices").length);
    expect(hits).toEqual([1, 0, 1, 0]);
    expect(faults.list()).toEqual([{ id: 1, kind: "503", remaining: null, probability: 0.5 }]);
    faults.clear();
    expect(faults.list()).toEqual([]);
  });
});

describe("Xero emulator: faults on demand through xero-node", () => {
  let h: Harness;
  let contactID: string;
  beforeAll(async () => {
    h = await startHarness();
    const contact = await h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: "Faulty Towers" }] });
    contactID = contact.body.contacts?.[0]?.contactID ?? "";
  });
  afterEach(() => h.emulator.faults.clear());
  afterAll(async () => {
    await h.emulator.stop();
    expectNoSpecViolations(h.emulator);
  });

  const invoices = (reference: string): Invoices => ({
    invoices: [
      {
        type: Invoice.TypeEnum.ACCREC,
        contact: { contactID },
        reference,
        lineItems: [{ description: "x", quantity: 1, unitAmount: 1, accountCode: "200" }],
      },
    ],
  });
  const countByReference = (reference: string): number =>
    [...h.emulator.store.tenant(h.tenantId).invoices.values()].filter((invoice) => invoice.Reference === reference)
      .length;

  it("answers injected 429, 500 and 503 without doing the work, then recovers", async () => {
    h.emulator.faults.inject({ kind: "429", count: 1 });
    const limited = await rejectionOf(h.xero.accountingApi.createInvoices(h.tenantId, invoices("f-429")));
    expect(limited.statusCode).toBe(429);
    expect(limited.headers["retry-after"]).toBe("60");
    expect(limited.headers["x-rate-limit-problem"]).toBe("minute");
    h.emulator.faults.inject({ kind: "500", count: 1 });
    expect((await rejectionOf(h.xero.accountingApi.createInvoices(h.tenantId, invoices("f-500")))).statusCode).toBe(
      500,
    );
    h.emulator.faults.inject({ kind: "503", count: 1 });
    expect((await rejectionOf(h.xero.accountingApi.getInvoices(h.tenantId))).statusCode).toBe(503);
    expect(countByReference("f-429") + countByReference("f-500")).toBe(0);
    expect((await h.xero.accountingApi.getInvoices(h.tenantId)).response.status).toBe(200);
  });

  it("drops the connection after committing; a retry with the same Idempotency-Key replays instead of duplicating", async () => {
    h.emulator.faults.inject({ kind: "drop-after-commit", count: 1, match: { method: "PUT", path: "/Invoices" } });
    const dropped = await rejectionOf(
      h.xero.accountingApi.createInvoices(h.tenantId, invoices("f-drop"), undefined, undefined, "push-1"),
    );
    expect(dropped.statusCode).toBe(0);
    expect(countByReference("f-drop")).toBe(1);
    const retry = await h.xero.accountingApi.createInvoices(
      h.tenantId,
      invoices("f-drop"),
      undefined,
      undefined,
      "push-1",
    );
    expect(retry.body.invoices?.[0]?.reference).toBe("f-drop");
    expect(countByReference("f-drop")).toBe(1);
    expect(h.emulator.stats().droppedAfterCommit).toBe(1);
  });

  it("revokes the grant: that call and every later one with the token get 401", async () => {
    const xero = clientFor(h.emulator, [h.tenantId]);
    h.emulator.faults.inject({ kind: "revoke", count: 1 });
    expect((await rejectionOf(xero.accountingApi.getOrganisations(h.tenantId))).statusCode).toBe(401);
    expect((await rejectionOf(xero.accountingApi.getOrganisations(h.tenantId))).statusCode).toBe(401);
    const fresh = clientFor(h.emulator, [h.tenantId]);
    expect((await fresh.accountingApi.getOrganisations(h.tenantId)).response.status).toBe(200);
  });

  it("can be driven over HTTP: inject, list, clear, stats and the clock", async () => {
    const admin = (path: string, init?: { method?: string; body?: unknown }) =>
      fetch(`${h.emulator.baseUrl}/__admin${path}`, {
        method: init?.method ?? "GET",
        ...(init?.body === undefined
          ? {}
          : { body: JSON.stringify(init.body), headers: { "content-type": "application/json" } }),
      });
    const injected = await admin("/faults", {
      method: "POST",
      body: { kind: "503", count: 2, match: { path: "/Contacts" } },
    });
    expect(injected.status).toBe(200);
    expect(((await (await admin("/faults")).json()) as { faults: unknown[] }).faults).toHaveLength(1);
    expect((await rejectionOf(h.xero.accountingApi.getContacts(h.tenantId))).statusCode).toBe(503);
    await admin("/faults", { method: "DELETE" });
    expect((await h.xero.accountingApi.getContacts(h.tenantId)).response.status).toBe(200);
    const refused = await admin("/faults", { method: "POST", body: { kind: "meteor" } });
    expect(refused.status).toBe(400);
    const before = h.clock.now();
    const moved = await admin("/clock", { method: "POST", body: { advanceMs: 1000 } });
    expect(await moved.json()).toEqual({ now: before + 1000 });
    const stats = (await (await admin("/stats")).json()) as {
      requestsServed: number;
      responsesValidated: number;
      faultsInjected: number;
    };
    expect(stats.requestsServed).toBeGreaterThan(0);
    expect(stats.faultsInjected).toBeGreaterThan(0);
    const organisation = (await (
      await admin("/organisations", { method: "POST", body: { name: "Scripted Org" } })
    ).json()) as { tenantId: string };
    const tokens = (await (
      await admin("/tokens", { method: "POST", body: { tenantIds: [organisation.tenantId] } })
    ).json()) as { access_token: string };
    const answer = await fetch(`${h.emulator.apiUrl}/Organisation`, {
      headers: { authorization: `Bearer ${tokens.access_token}`, "xero-tenant-id": organisation.tenantId },
    });
    expect(((await answer.json()) as { Organisations: Array<{ Name: string }> }).Organisations[0]?.Name).toBe(
      "Scripted Org",
    );
  });
});
