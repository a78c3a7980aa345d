import { InvocationContext } from "@azure/functions";
import { createFunctionTable } from "../../src/functions";
import { registerFunctionTable, type FunctionApp, type FunctionDefinition } from "../../src/function-table";

/** What the host would register: kind, name and the trigger's binding (route + methods, schedule, queue). */
function toRegistration(definition: FunctionDefinition): string {
  switch (definition.kind) {
    case "http":
      return `http ${definition.name} ${definition.methods.join(",")} /api/${definition.route} (${definition.authLevel})`;
    case "timer":
      return `timer ${definition.name} ${definition.schedule}`;
    case "storageQueue":
      return `storageQueue ${definition.name} ${definition.queueName} via ${definition.connection}`;
  }
}

// Function names: a letter, then letters, digits, "_" or "-", at most 127 characters; unique ignoring case.
// https://learn.microsoft.com/azure/azure-functions/functions-reference#function-app
const functionName = /^[A-Za-z][A-Za-z0-9_-]{0,126}$/;
// Queue names: 3–63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.
// https://learn.microsoft.com/rest/api/storageservices/naming-queues-and-metadata
const queueName = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;
// Six-field NCRONTAB: {second} {minute} {hour} {day} {month} {day-of-week}.
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#ncrontab-expressions
const cronField = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;

describe("the function table", () => {
  const table = createFunctionTable({});

  test("is exactly the service's functions, each with its trigger", () => {
    expect(table.map(toRegistration)).toStrictEqual([
      "timer syncScheduler 0 */1 * * * *",
      "storageQueue syncWorker sync-work via AzureWebJobsStorage",
      "http onboardingXero GET /api/onboarding/xero (anonymous)",
      "http xeroCallback GET /api/xero/callback (anonymous)",
      "http onboardingXeroOrganisation POST /api/onboarding/xero/organisation (anonymous)",
      "http onboardingXeroAnother POST /api/onboarding/xero/another (anonymous)",
      "http onboardingDynamics GET,POST /api/onboarding/dynamics (anonymous)",
      "http onboardingDynamicsConsent POST /api/onboarding/dynamics/consent (anonymous)",
      "http dynamicsSignInCallback GET /api/dynamics/signin/callback (anonymous)",
      "http dynamicsConsentCallback GET /api/dynamics/consent/callback (anonymous)",
      "http onboardingDynamicsConsentCheck POST /api/onboarding/dynamics/consent/check (anonymous)",
      "http dataverseWebhook POST /api/dataverse-webhook (anonymous)",
      "http xeroWebhook POST /api/xero-webhook (anonymous)",
      "http xeroWebhookSandboxRoute POST /api/xero/webhook (anonymous)",
      "timer realtimeHousekeeping 0 17 3 * * *",
      "timer tokenKeepAlive 0 47 2 * * *",
    ]);
  });

  test("every function name is valid for the host and unique ignoring case", () => {
    const names = table.map((definition) => definition.name);
    for (const name of names) expect(name).toMatch(functionName);
    expect(new Set(names.map((name) => name.toLowerCase())).size).toBe(names.length);
  });

  test("every HTTP route is unique, relative and outside the host's reserved prefixes", () => {
    const routes = table.flatMap((definition) => (definition.kind === "http" ? [definition.route] : []));
    expect(new Set(routes.map((route) => route.toLowerCase())).size).toBe(routes.length);
    for (const route of routes) {
      expect(route).toMatch(/^[a-z0-9][a-z0-9/-]*[a-z0-9]$/);
      expect(route).not.toMatch(/^(admin|runtime)(\/|$)/);
    }
  });

  test("every timer has a six-field NCRONTAB schedule and every queue a valid name", () => {
    for (const definition of table) {
      if (definition.kind === "timer") {
        const fields = definition.schedule.split(" ");
        expect(fields).toHaveLength(6);
        for (const field of fields) expect(field).toMatch(cronField);
      }
      if (definition.kind === "storageQueue") expect(definition.queueName).toMatch(queueName);
    }
  });

  test("registers every definition with the host, in order, without reading or checking the environment", () => {
    // The sandbox imports the table before settings exist: building and registering it must not need them.
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
