import { InvocationContext } from "@azure/functions";
import { createFunctionTable } from "../../src/functions";
import { registerFunctionTable, type FunctionApp } from "../../src/function-table";

describe("the function table", () => {
  test("builds without reading or checking the environment (the sandbox imports it before settings exist)", () => {
    const table = createFunctionTable({});
    expect(table.map((definition) => [definition.kind, definition.name])).toEqual(
      expect.arrayContaining([
        ["timer", "syncScheduler"],
        ["storageQueue", "syncWorker"],
      ]),
    );
    const registered: string[] = [];
    const app: FunctionApp = {
      http: (name) => registered.push(name),
      timer: (name) => registered.push(name),
      storageQueue: (name) => registered.push(name),
    };
    registerFunctionTable(app, table);
    expect(registered).toStrictEqual(table.map((definition) => definition.name));
  });

  test("a valid message with a missing configuration fails loudly (the host retries, then poisons it)", async () => {
    const worker = createFunctionTable({}).find((definition) => definition.kind === "storageQueue");
    if (worker?.kind !== "storageQueue") throw new Error("no queue function");
    const message = {
      connectionId: "c1",
      flow: "InvoicesToXero",
      reason: "schedule",
      correlationId: "x",
      enqueuedAt: new Date(0).toISOString(),
    };
    await expect(worker.handler(message, new InvocationContext({ functionName: "syncWorker" }))).rejects.toMatchObject({
      kind: "config",
    });
  });
});
