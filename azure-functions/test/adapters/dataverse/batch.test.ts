import { fromBatchResponse, splitIntoBatches, toBatchRequest, type BatchItem } from "../../../src/adapters/dataverse/batch";

const api = "http://org.example/api/data/v9.2/";

describe("toBatchRequest", () => {
  it("writes change sets and single operations with CRLF and Content-IDs", () => {
    const items: BatchItem[] = [
      { changeSet: [
        { method: "PATCH", path: "invoices(11111111-1111-1111-1111-111111111111)", headers: { "If-Match": "*" }, body: { mag_synchedwithxero: true } },
        { method: "POST", path: "mag_xerosynclogs", body: { mag_name: "x" } },
      ] },
      { method: "GET", path: "WhoAmI" },
    ];
    const request = toBatchRequest(items, api, "B1");
    expect(request.contentType).toBe("multipart/mixed; boundary=batch_B1");
    expect(request.body.split("\r\n")).toStrictEqual([
      "--batch_B1",
      "Content-Type: multipart/mixed; boundary=changeset_B1_0",
      "",
      "--changeset_B1_0",
      "Content-Type: application/http",
      "Content-Transfer-Encoding: binary",
      "Content-ID: 1",
      "",
      "PATCH http://org.example/api/data/v9.2/invoices(11111111-1111-1111-1111-111111111111) HTTP/1.1",
      "If-Match: *",
      "Content-Type: application/json; type=entry",
      "",
      '{"mag_synchedwithxero":true}',
      "--changeset_B1_0",
      "Content-Type: application/http",
      "Content-Transfer-Encoding: binary",
      "Content-ID: 2",
      "",
      "POST http://org.example/api/data/v9.2/mag_xerosynclogs HTTP/1.1",
      "Content-Type: application/json; type=entry",
      "",
      '{"mag_name":"x"}',
      "--changeset_B1_0--",
      "--batch_B1",
      "Content-Type: application/http",
      "Content-Transfer-Encoding: binary",
      "",
      "GET http://org.example/api/data/v9.2/WhoAmI HTTP/1.1",
      "",
      "",
      "--batch_B1--",
      "",
    ]);
  });
});

describe("splitIntoBatches", () => {
  it("keeps at most 1,000 operations per batch without splitting change sets", () => {
    const single = (n: number): BatchItem[] => Array.from({ length: n }, () => ({ method: "DELETE" as const, path: "x" }));
    const set: BatchItem = { changeSet: single(600) as never };
    const batches = splitIntoBatches([...single(500), set, ...single(1200)]);
    expect(batches.map((batch) => batch.reduce((sum, item) => sum + ("changeSet" in item ? item.changeSet.length : 1), 0))).toStrictEqual([500, 1000, 800]);
    expect(() => splitIntoBatches([{ changeSet: single(1001) as never }])).toThrow(RangeError);
  });
});

describe("fromBatchResponse", () => {
  const items: BatchItem[] = [
    { changeSet: [{ method: "POST", path: "tasks", body: {} }, { method: "POST", path: "tasks", body: {} }] },
    { changeSet: [{ method: "PATCH", path: "tasks(1)", body: {} }, { method: "PATCH", path: "tasks(2)", body: {} }] },
    { method: "GET", path: "tasks" },
    { method: "GET", path: "accounts" },
  ];
  // Shaped like Microsoft's documented answer (LF line ends as some proxies deliver them).
  const body = [
    "--batchresponse_R",
    "Content-Type: multipart/mixed; boundary=changesetresponse_C",
    "",
    "--changesetresponse_C",
    "Content-Type: application/http",
    "Content-Transfer-Encoding: binary",
    "Content-ID: 2",
    "",
    "HTTP/1.1 204 No Content",
    "OData-Version: 4.0",
    "OData-EntityId: http://org.example/api/data/v9.2/tasks(bbbbbbbb-0000-0000-0000-000000000002)",
    "",
    "",
    "--changesetresponse_C",
    "Content-Type: application/http",
    "Content-Transfer-Encoding: binary",
    "Content-ID: 1",
    "",
    "HTTP/1.1 204 No Content",
    "OData-EntityId: http://org.example/api/data/v9.2/tasks(aaaaaaaa-0000-0000-0000-000000000001)",
    "",
    "",
    "--changesetresponse_C--",
    "--batchresponse_R",
    "Content-Type: application/http",
    "Content-Transfer-Encoding: binary",
    "",
    "HTTP/1.1 412 Precondition Failed",
    "Content-Type: application/json; odata.metadata=minimal",
    "",
    '{"error":{"code":"0x80060882","message":"version mismatch"}}',
    "--batchresponse_R",
    "Content-Type: application/http",
    "Content-Transfer-Encoding: binary",
    "",
    "HTTP/1.1 200 OK",
    "Content-Type: application/json",
    "",
    '{"value":[{"subject":"a"}]}',
    "--batchresponse_R--",
    "",
  ].join("\n");

  it("maps answers to operations by Content-ID, spreads a failed change set, marks unanswered ones", () => {
    const results = fromBatchResponse(items, body, "multipart/mixed; boundary=batchresponse_R");
    expect(results.map((result) => result.status)).toStrictEqual([204, 204, 412, 412, 200, 0]);
    expect(results[0]?.headers["odata-entityid"]).toBe("http://org.example/api/data/v9.2/tasks(aaaaaaaa-0000-0000-0000-000000000001)");
    expect(results[1]?.headers["odata-entityid"]).toBe("http://org.example/api/data/v9.2/tasks(bbbbbbbb-0000-0000-0000-000000000002)");
    expect(results[2]?.body).toStrictEqual({ error: { code: "0x80060882", message: "version mismatch" } });
    expect(results[4]?.body).toStrictEqual({ value: [{ subject: "a" }] });
  });
});
