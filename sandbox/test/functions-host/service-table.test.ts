// The service's own function table, checked against what the real host accepts at indexing time, so `func start`
// and Azure load the same functions the local host runs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadServiceTableFactory } from "../../src";
import { parseSchedule } from "../../src/functions-host/ncrontab";
import { compileRoute } from "../../src/functions-host/route-template";
import { resolveSetting } from "../../src/functions-host/timer-trigger";

const exampleSettings = JSON.parse(
  readFileSync(join(__dirname, "..", "..", "..", "azure-functions", "local.settings.example.json"), "utf8"),
) as { Values: Record<string, string> };

describe("the service's function table", () => {
  const factory = loadServiceTableFactory();
  const table = factory?.(exampleSettings.Values) ?? [];

  it("is exported by azure-functions/src/functions", () => {
    expect(factory).not.toBeNull();
    expect(table.length).toBeGreaterThan(0);
  });

  it("has function names the host accepts, each once", () => {
    // The host's own rule (Utility.FunctionNameValidationRegex in Azure/azure-functions-host): a letter, then up to
    // 127 letters, digits, _ or -, and not "host".
    for (const definition of table) expect(definition.name).toMatch(/^(?!host$)[a-z][a-z0-9_-]{0,127}$/i);
    const names = table.map((definition) => definition.name.toLowerCase());
    expect(new Set(names).size).toBe(names.length);
  });

  it("has six-field schedules, compilable routes and queue connections local.settings.json defines", () => {
    for (const definition of table) {
      if (definition.kind === "timer") {
        expect(() => parseSchedule(resolveSetting(definition.schedule, exampleSettings.Values))).not.toThrow();
      } else if (definition.kind === "http") {
        expect(() => compileRoute(definition.route)).not.toThrow();
        expect(definition.methods.length).toBeGreaterThan(0);
      } else {
        expect(exampleSettings.Values[definition.connection]).toBeDefined();
        // Queue names: 3-63 lower-case letters, digits and single hyphens.
        // https://learn.microsoft.com/rest/api/storageservices/naming-queues-and-metadata#queue-names
        expect(definition.queueName).toMatch(/^(?!-)(?!.*--)[a-z0-9-]{3,63}(?<!-)$/);
      }
    }
  });
});
