import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SyncError } from "../../src/core/errors";
import {
  fromContextValue,
  knownColumns,
  parseRemoteExecutionContext,
} from "../../src/realtime/remote-execution-context";

const sample = readFileSync(join(__dirname, "fixtures", "contact-update-async.json"), "utf8");

/** An invoice context in the emulator's shape, with a post image; `slash` decides how `__type` is written. */
function invoiceContext(slash: "\\/" | "/", extra: Record<string, unknown> = {}): string {
  const contracts = `http:${slash}${slash}schemas.microsoft.com${slash}xrm${slash}2011${slash}Contracts`;
  const body = {
    BusinessUnitId: "e2b9dd85-e89e-e711-8122-000d3aa2331c",
    CorrelationId: "b374239d-4233-41a9-8b17-a86cb4f737b5",
    Depth: 1,
    InputParameters: [
      {
        key: "Target",
        value: {
          __type: `Entity:${contracts}`,
          Attributes: [
            { key: "mag_addtoxero", value: true },
            { key: "invoiceid", value: "6D81597F-0F9F-E711-8122-000D3AA2331C" },
            { key: "modifiedon", value: "/Date(1506384247000)/" },
            {
              key: "mag_xeroconnectorid",
              value: {
                __type: `EntityReference:${contracts}`,
                Id: "75C2DD85-E89E-E711-8122-000D3AA2331C",
                LogicalName: "mag_xeroconnector",
                Name: null,
              },
            },
            { key: "mag_xerosyncstatus", value: { __type: `OptionSetValue:${contracts}`, Value: 582100000 } },
            { key: "totalamount", value: { __type: `Money:${contracts}`, Value: 115 } },
          ],
          Id: "6d81597f-0f9f-e711-8122-000d3aa2331c",
          LogicalName: "invoice",
          SomethingNew: [1, 2, 3],
        },
      },
    ],
    MessageName: "Update",
    Mode: 1,
    OrganizationId: "4EF5B371-E89E-E711-8122-000D3AA2331C",
    OrganizationName: "contoso",
    PostEntityImages: [
      {
        key: "XeroSyncState",
        value: {
          Attributes: [
            { key: "mag_synchedwithxero", value: false },
            { key: "statecode", value: { __type: `OptionSetValue:${contracts}`, Value: 0 } },
          ],
          Id: "6d81597f-0f9f-e711-8122-000d3aa2331c",
          LogicalName: "invoice",
        },
      },
    ],
    PreEntityImages: [],
    PrimaryEntityId: "6d81597f-0f9f-e711-8122-000d3aa2331c",
    PrimaryEntityName: "invoice",
    Stage: 40,
    ...extra,
  };
  // JSON.stringify writes "/" plainly; the data contract serializer escapes it as "\/".
  return slash === "/" ? JSON.stringify(body) : JSON.stringify(body).replace(/\\\\\//g, "\\/");
}

describe("parseRemoteExecutionContext", () => {
  it("reads Microsoft's sample body", () => {
    const context = parseRemoteExecutionContext(sample);
    expect(context).toMatchObject({
      messageName: "Update",
      primaryEntityName: "contact",
      primaryEntityId: "6d81597f-0f9f-e711-8122-000d3aa2331c",
      organizationId: "4ef5b371-e89e-e711-8122-000d3aa2331c",
      organizationName: "OrgName",
      stage: 40,
      mode: 1,
      depth: 1,
    });
    expect(context.target?.attributes).toStrictEqual({
      firstname: "James",
      contactid: "6d81597f-0f9f-e711-8122-000d3aa2331c",
      fullname: "James Glynn (sample)",
      yomifullname: "James Glynn (sample)",
      modifiedon: "2017-09-26T00:04:07.000Z",
      modifiedby: { logicalName: "systemuser", id: "75c2dd85-e89e-e711-8122-000d3aa2331c" },
      modifiedonbehalfby: null,
    });
  });

  it.each(["\\/", "/"] as const)(
    "matches __type by prefix whether slashes are escaped (%s) or not, and ignores unknown keys",
    (slash) => {
      const context = parseRemoteExecutionContext(invoiceContext(slash, { BrandNewKey: { nested: true } }));
      expect(context.target?.attributes).toStrictEqual({
        mag_addtoxero: true,
        invoiceid: "6D81597F-0F9F-E711-8122-000D3AA2331C",
        modifiedon: "2017-09-26T00:04:07.000Z",
        mag_xeroconnectorid: { logicalName: "mag_xeroconnector", id: "75c2dd85-e89e-e711-8122-000d3aa2331c" },
        mag_xerosyncstatus: 582100000,
        totalamount: 115,
      });
      expect(context.postImages["XeroSyncState"]?.attributes).toStrictEqual({
        mag_synchedwithxero: false,
        statecode: 0,
      });
      expect(knownColumns(context)).toMatchObject({ mag_addtoxero: true, mag_synchedwithxero: false, statecode: 0 });
    },
  );

  it("reads a context posted as a JSON string holding the JSON", () => {
    expect(parseRemoteExecutionContext(JSON.stringify(sample)).primaryEntityName).toBe("contact");
  });

  it.each([
    ["not JSON", "{ nope"],
    ["an array", "[]"],
    [
      "no message name",
      JSON.stringify({
        PrimaryEntityName: "invoice",
        PrimaryEntityId: "6d81597f-0f9f-e711-8122-000d3aa2331c",
        OrganizationId: "4ef5b371-e89e-e711-8122-000d3aa2331c",
      }),
    ],
    ["a record id that is not a GUID", invoiceContext("/", { PrimaryEntityId: "'; drop table" })],
    ["an empty body", ""],
  ])("refuses %s with a validation error", (_label, body) => {
    expect(() => parseRemoteExecutionContext(body)).toThrow(SyncError);
    try {
      parseRemoteExecutionContext(body);
    } catch (error) {
      expect((error as SyncError).kind).toBe("validation");
    }
  });

  it("unwraps values by type prefix and keeps unknown shapes as they are", () => {
    expect(fromContextValue("\\/Date(0)\\/")).toBe("1970-01-01T00:00:00.000Z");
    expect(
      fromContextValue({
        __type: "OptionSetValueCollection:http://x",
        Value: [{ __type: "OptionSetValue:http://x", Value: 1 }],
      }),
    ).toStrictEqual([1]);
    expect(fromContextValue({ __type: "Unknown:thing", A: 1 })).toStrictEqual({ __type: "Unknown:thing", A: 1 });
  });
});
