import { toDataverseWork } from "../../src/realtime/dataverse-events";
import type { ContextValue, RemoteExecutionContext } from "../../src/realtime/remote-execution-context";

const id = "6d81597f-0f9f-e711-8122-000d3aa2331c";

function context(
  table: string,
  target: Record<string, ContextValue>,
  image: Record<string, ContextValue> = {},
  messageName = "Update",
): RemoteExecutionContext {
  return {
    messageName,
    primaryEntityName: table,
    primaryEntityId: id,
    organizationId: "4ef5b371-e89e-e711-8122-000d3aa2331c",
    organizationName: "contoso",
    correlationId: "c-1",
    operationId: undefined,
    stage: 40,
    mode: 1,
    depth: 1,
    target: { logicalName: table, id, attributes: { ...target, modifiedon: "2026-03-02T09:00:00.000Z" } },
    postImages: { XeroSyncState: { logicalName: table, id, attributes: image } },
    preImages: {},
  };
}

describe("toDataverseWork", () => {
  it("pushes an invoice whose Add to Xero was turned on", () => {
    expect(
      toDataverseWork(context("invoice", { mag_addtoxero: true }, { mag_synchedwithxero: false, statecode: 0 })),
    ).toStrictEqual({ kind: "push", flow: "InvoicesToXero", recordId: id });
  });

  it("pushes a credit note whose Add to Xero was turned on", () => {
    expect(toDataverseWork(context("mag_creditnote", { mag_addtoxero: true }))).toStrictEqual({
      kind: "push",
      flow: "CreditNotesToXero",
      recordId: id,
    });
  });

  it("pushes after Retry Xero sync (status back to Pending)", () => {
    expect(
      toDataverseWork(
        context(
          "invoice",
          { mag_xerosyncstatus: 582100000, mag_xerosyncerror: null },
          { mag_addtoxero: true, mag_synchedwithxero: false },
        ),
      ),
    ).toMatchObject({ kind: "push" });
  });

  it.each([
    ["Add to Xero turned off", context("invoice", { mag_addtoxero: false })],
    ["an invoice already in Xero", context("invoice", { mag_addtoxero: true }, { mag_synchedwithxero: true })],
    ["a paid invoice", context("invoice", { mag_addtoxero: true }, { statecode: 2 })],
    [
      "the service's own write-back",
      context(
        "invoice",
        { mag_xerosyncstatus: 582100001, mag_synchedwithxero: true, mag_xeroid: "x" },
        { mag_addtoxero: true },
      ),
    ],
    [
      "a Retrying write-back",
      context(
        "invoice",
        { mag_xerosyncstatus: 582100003, mag_xerosyncerror: "Xero is busy" },
        { mag_addtoxero: true, mag_synchedwithxero: false },
      ),
    ],
    [
      "a failed invoice waiting for Retry",
      context("invoice", { mag_addtoxero: true }, { mag_xerosyncstatus: 582100002 }),
    ],
    ["a table the add-on does not watch", context("contact", { firstname: "James" })],
    ["a Delete", context("invoice", { mag_addtoxero: true }, {}, "Delete")],
  ])("ignores %s", (_label, input) => {
    expect(toDataverseWork(input).kind).toBe("ignore");
  });

  it("re-reads the row when Dataverse cut the context (msg-size-exceeded): pushed, the selection decides", () => {
    const cut = { ...context("invoice", {}), target: undefined, postImages: {} };
    expect(toDataverseWork(cut, true)).toStrictEqual({ kind: "push", flow: "InvoicesToXero", recordId: id });
  });
});
