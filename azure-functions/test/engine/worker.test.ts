// The scheduler's fan-out and the worker's handling, over in-memory stores and fake flows.
import type { DataversePort } from "../../src/adapters/dataverse/port";
import { createMemoryWorkQueue, toWorkMessage } from "../../src/adapters/queue/work-queue";
import type { Connection } from "../../src/adapters/table-storage/connection-store";
import { ManualClock } from "../../src/core/clock";
import { SyncError } from "../../src/core/errors";
import { silentLogger } from "../../src/core/logger";
import { Scheduler } from "../../src/engine/scheduler";
import { createMemoryScopeStore } from "../../src/engine/scope-store";
import { SyncWorker, type FlowRun } from "../../src/engine/worker";
import type { RunScope } from "../../src/flows/ports";
import { summariseRun } from "../../src/flows/run-report";
import { mag_flow, mag_xerostatus } from "../../src/generated/dataverse";

const clock = new ManualClock(Date.UTC(2026, 2, 2, 9, 0, 0));
const connection: Connection = {
  id: "conn-1",
  dataverse: { url: "https://org.example", tenantId: "t", clientId: "c", clientSecret: "s" },
  xero: { tenantId: "xt", tenantName: "Demo" },
  connectorId: "11111111-1111-4111-8111-111111111111",
  status: "connected",
  statusReason: null,
  createdOn: new Date(0).toISOString(),
  updatedOn: new Date(0).toISOString(),
};

function dataverseWith(flows: Record<string, unknown>[]): DataversePort {
  return {
    retrieve: () =>
      Promise.resolve({
        mag_xeroconnectorid: connection.connectorId,
        mag_enabled: true,
        mag_isdefault: true,
        mag_xerostatus: mag_xerostatus.Connected,
        mag_syncrequestedon: null,
        mag_xeroconnector_xerodataflow_xeroconnectorid: flows,
      }),
  } as unknown as DataversePort;
}

const flowRow = (flow: keyof typeof mag_flow, lastRunOn: string | null) => ({
  mag_xerodataflowid: `df-${flow}`,
  mag_flow: mag_flow[flow],
  mag_enabled: true,
  mag_intervalminutes: 15,
  mag_synclastxdays: 7,
  mag_lastrunon: lastRunOn,
});

test("the scheduler enqueues each due flow once and leaves its scope for the worker", async () => {
  const queue = createMemoryWorkQueue();
  const scopes = createMemoryScopeStore();
  const dataverse = dataverseWith([
    flowRow("InvoicesToXero", null),
    flowRow("PaymentsFromXero", new Date(clock.now() - 60_000).toISOString()),
  ]);
  const scheduler = new Scheduler({
    connections: { list: () => Promise.resolve([connection]) },
    dataverseFor: () => dataverse,
    queue,
    scopes,
    clock,
    logger: silentLogger,
    newId: () => "corr",
  });
  expect(await scheduler.run()).toStrictEqual({
    connections: 1,
    enqueued: 1,
    failedConnections: 0,
    realtimeChanged: 0,
    realtimeFailed: 0,
  });
  expect(queue.messages.map(({ message }) => [message.flow, message.reason])).toStrictEqual([
    ["InvoicesToXero", "schedule"],
  ]);
  expect(await scopes.get(connection.id, "InvoicesToXero")).toMatchObject({
    dataFlowId: "df-InvoicesToXero",
    windowDays: 7,
    isDefaultConnector: true,
  });
  await scheduler.run();
  expect(queue.messages).toHaveLength(1);
});

describe("the worker", () => {
  const setup = (run: (scope: RunScope) => Promise<ReturnType<typeof summariseRun>>, leaseFree = true) => {
    const queue = createMemoryWorkQueue();
    const scopes = createMemoryScopeStore();
    const seen: RunScope[] = [];
    const flow: FlowRun = {
      run: async (scope) => {
        seen.push(scope);
        return { result: await run(scope), followUps: ["ReferenceData"] };
      },
    };
    const worker = new SyncWorker({
      connections: { get: (id) => Promise.resolve(id === connection.id ? connection : undefined) },
      runtimeFor: () => ({
        flows: { InvoicesToXero: flow },
        resolveScope: () =>
          Promise.resolve({
            connectorId: connection.connectorId ?? "",
            dataFlowId: "df",
            isDefaultConnector: false,
            windowDays: 3,
          }),
      }),
      scopes,
      leases: {
        withLease: async (_c, _f, _d, work) =>
          leaseFree
            ? { ran: true as const, value: await work({ renew: () => Promise.resolve() }) }
            : { ran: false as const },
      },
      queue,
      clock,
      logger: silentLogger,
    });
    return { worker, queue, scopes, seen };
  };
  const message = (flow: "InvoicesToXero" | "PaymentsFromXero" = "InvoicesToXero", recordId?: string) =>
    toWorkMessage(clock, {
      connectionId: connection.id,
      flow,
      reason: "schedule",
      correlationId: "corr",
      ...(recordId === undefined ? {} : { recordId }),
    });

  test("runs the flow with the resolved scope, records the run and enqueues follow-ups", async () => {
    const { worker, queue, scopes, seen } = setup((scope) => Promise.resolve(summariseRun(scope.flow, 3, 0, clock)));
    const outcome = await worker.handle(message("InvoicesToXero", "22222222-2222-4222-8222-222222222222"));
    expect(outcome.status).toBe("ran");
    expect(seen[0]).toMatchObject({
      connectionId: connection.id,
      dataFlowId: "df",
      modifiedSince: new Date(clock.now() - 3 * 86_400_000),
      recordIds: ["22222222-2222-4222-8222-222222222222"],
    });
    expect((await scopes.get(connection.id, "InvoicesToXero"))?.lastRunOn).toBe(new Date(clock.now()).toISOString());
    expect(queue.messages.map(({ message: queued }) => [queued.flow, queued.reason])).toStrictEqual([
      ["ReferenceData", "retry"],
    ]);
  });

  test("a flow this service does not run and an unknown connection are acknowledged", async () => {
    const { worker } = setup((scope) => Promise.resolve(summariseRun(scope.flow, 0, 0, clock)));
    expect(await worker.handle(message("PaymentsFromXero"))).toMatchObject({ status: "skipped" });
    expect(await worker.handle({ ...message(), connectionId: "gone" })).toMatchObject({ status: "skipped" });
  });

  test("a held lease: the timed run is dropped, real-time work comes back shortly", async () => {
    const { worker, queue } = setup((scope) => Promise.resolve(summariseRun(scope.flow, 0, 0, clock)), false);
    expect(await worker.handle(message())).toStrictEqual({ status: "busy" });
    expect(queue.messages).toHaveLength(0);
    await worker.handle(message("InvoicesToXero", "22222222-2222-4222-8222-222222222222"));
    expect(queue.messages.map(({ options }) => options)).toStrictEqual([{ visibilityTimeoutSeconds: 5 }]);
  });

  test("retryable failures are rethrown for the host; permanent ones are acknowledged", async () => {
    const transient = setup(() => Promise.reject(new SyncError("Dataverse is busy", { kind: "transient" })));
    await expect(transient.worker.handle(message())).rejects.toMatchObject({ kind: "transient" });
    const permanent = setup(() => Promise.reject(new SyncError("bad configuration", { kind: "config" })));
    await expect(permanent.worker.handle(message())).resolves.toMatchObject({
      status: "skipped",
      reason: "bad configuration",
    });
  });
});
