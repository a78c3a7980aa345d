// The real-time worker with in-memory ports: coalescing into one run, markers touched during a run, a busy lease,
// flows switched off, replays, and failures.
import type { DataversePort } from "../../src/adapters/dataverse/port";
import { createMemoryWorkQueue, type SyncWorkMessage } from "../../src/adapters/queue/work-queue";
import type { Connection } from "../../src/adapters/table-storage/connection-store";
import type { ConnectionContext } from "../../src/composition";
import { ManualClock } from "../../src/core/clock";
import { SyncError } from "../../src/core/errors";
import { silentLogger } from "../../src/core/logger";
import type { FlowName, RunScope } from "../../src/flows/ports";
import type { FlowReport } from "../../src/flows/run-report";
import { mag_flow } from "../../src/generated/dataverse";
import { createMemoryRealtimeStore } from "../../src/realtime/realtime-store";
import { RealtimeWorker, isRealtimeWork } from "../../src/realtime/realtime-worker";

const connection: Connection = {
  id: "conn-1",
  dataverse: { url: "https://contoso.crm.dynamics.com", tenantId: "t", clientId: "c", clientSecret: "s" },
  xero: { tenantId: "x", tenantName: "Demo" },
  connectorId: "0a0a0a0a-0000-0000-0000-000000000001",
  status: "connected",
  statusReason: null,
  createdOn: "2026-03-02T09:00:00.000Z",
  updatedOn: "2026-03-02T09:00:00.000Z",
};

const report = (synced: number): FlowReport => ({
  result: {
    flow: "InvoicesToXero",
    result: synced > 0 ? "Succeeded" : "NothingToDo",
    synced,
    failed: 0,
    message: "",
    ranOn: new Date(0),
  },
  followUps: [],
});

function setUp(
  options: { flowEnabled?: boolean; leaseFree?: boolean; run?: (scope: RunScope) => Promise<FlowReport> } = {},
) {
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 9));
  const store = createMemoryRealtimeStore(clock);
  const queue = createMemoryWorkQueue();
  const runs: RunScope[] = [];
  const sleeps: number[] = [];
  const run = options.run ?? ((scope: RunScope) => Promise.resolve(report(scope.recordIds?.length ?? 0)));
  const dataverse = {
    retrieve: () =>
      Promise.resolve({
        mag_enabled: true,
        mag_isdefault: true,
        mag_xerostatus: 582100000,
        mag_xeroconnector_xerodataflow_xeroconnectorid: [
          {
            mag_xerodataflowid: "flow-row-1",
            mag_flow: mag_flow.InvoicesToXero,
            mag_enabled: options.flowEnabled ?? true,
            mag_intervalminutes: 15,
            mag_synclastxdays: 7,
            mag_lastrunon: "2026-03-02T08:50:00Z",
          },
        ],
      }),
  } as unknown as DataversePort;
  const worker = new RealtimeWorker({
    connections: { get: (id) => Promise.resolve(id === connection.id ? connection : undefined) },
    runtimeFor: () => ({
      flows: {
        InvoicesToXero: {
          run: async (scope) => {
            runs.push(scope);
            return run(scope);
          },
        },
      },
      resolveScope: () => Promise.resolve(undefined),
    }),
    contextFor: () => ({ dataverse }) as unknown as ConnectionContext,
    targetedRunsFor: () => ({}),
    store,
    leases: {
      withLease: async (_connection, _flow, _ms, work) =>
        options.leaseFree === false
          ? { ran: false }
          : { ran: true, value: await work({ renew: () => Promise.resolve() }) },
    },
    queue,
    clock,
    logger: silentLogger,
    batchSize: 50,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
  const message = (
    recordId: string,
    reason: SyncWorkMessage["reason"] = "realtime",
    flow: FlowName = "InvoicesToXero",
  ): SyncWorkMessage => ({
    connectionId: connection.id,
    flow,
    reason,
    recordId,
    correlationId: `c-${recordId}`,
    enqueuedAt: "2026-03-02T09:00:00.000Z",
  });
  return { clock, store, queue, runs, worker, message, sleeps };
}

describe("RealtimeWorker", () => {
  it("syncs every waiting record of the flow in one run, and the other messages find nothing left", async () => {
    const { store, worker, runs, message } = setUp();
    for (const id of ["inv-1", "inv-2", "inv-3"]) await store.mark("conn-1", "InvoicesToXero", id, `c-${id}`);
    await store.mark("conn-1", "InvoicesToXero", "inv-1", "c-again");
    expect(await worker.handle(message("inv-1"))).toStrictEqual({
      status: "drained",
      rounds: 1,
      records: 3,
      synced: 3,
      failed: 0,
    });
    expect(runs.map((scope) => scope.recordIds)).toStrictEqual([["inv-1", "inv-2", "inv-3"]]);
    // A real-time run reports nothing on the data-flow row (that row paces the timed runs).
    expect(runs[0]?.dataFlowId).toBeUndefined();
    expect(await worker.handle(message("inv-2"))).toStrictEqual({ status: "coalesced" });
    expect(runs).toHaveLength(1);
  });

  it("gives a burst that has just begun a moment to gather before the first round", async () => {
    const { store, worker, sleeps, clock, message } = setUp();
    await store.mark("conn-1", "InvoicesToXero", "inv-1", "c-1");
    clock.advance(100);
    await worker.handle(message("inv-1"));
    expect(sleeps).toStrictEqual([50]);
    clock.advance(1_000);
    await store.mark("conn-1", "InvoicesToXero", "inv-2", "c-2");
    clock.advance(1_000);
    await worker.handle(message("inv-2"));
    expect(sleeps).toStrictEqual([50]);
  });

  it("looks at a record again when an event touched it during the run", async () => {
    let first = true;
    const context = setUp({
      run: async (scope) => {
        if (first) {
          first = false;
          await context.store.mark("conn-1", "InvoicesToXero", "inv-1", "c-during");
        }
        return report(scope.recordIds?.length ?? 0);
      },
    });
    await context.store.mark("conn-1", "InvoicesToXero", "inv-1", "c-1");
    expect(await context.worker.handle(context.message("inv-1"))).toMatchObject({ status: "drained", rounds: 2 });
    expect(context.runs.map((scope) => scope.recordIds)).toStrictEqual([["inv-1"], ["inv-1"]]);
    expect(await context.store.listMarkers("conn-1", "InvoicesToXero", 10)).toStrictEqual([]);
  });

  it("sends the message again a moment later while the flow runs elsewhere, keeping the marker", async () => {
    const { store, worker, queue, runs, message } = setUp({ leaseFree: false });
    await store.mark("conn-1", "InvoicesToXero", "inv-1", "c-1");
    expect(await worker.handle(message("inv-1"))).toStrictEqual({ status: "busy" });
    expect(runs).toHaveLength(0);
    expect(queue.messages).toStrictEqual([{ message: message("inv-1"), options: { visibilityTimeoutSeconds: 1 } }]);
    expect(await store.isMarked("conn-1", "InvoicesToXero", "inv-1")).toBe(true);
  });

  it("drops the markers of a flow switched off", async () => {
    const { store, worker, runs, message } = setUp({ flowEnabled: false });
    await store.mark("conn-1", "InvoicesToXero", "inv-1", "c-1");
    expect(await worker.handle(message("inv-1"))).toMatchObject({ status: "skipped" });
    expect(runs).toHaveLength(0);
    expect(await store.isMarked("conn-1", "InvoicesToXero", "inv-1")).toBe(false);
  });

  it("runs a replayed message even though its marker is gone", async () => {
    const { worker, runs, message } = setUp();
    expect(await worker.handle(message("inv-9", "replay"))).toMatchObject({ status: "drained", records: 1 });
    expect(runs.map((scope) => scope.recordIds)).toStrictEqual([["inv-9"]]);
  });

  it("rethrows what is retryable (the host retries) and keeps the markers", async () => {
    const { store, worker, message } = setUp({
      run: () => Promise.reject(new SyncError("Xero is busy", { kind: "transient" })),
    });
    await store.mark("conn-1", "InvoicesToXero", "inv-1", "c-1");
    await expect(worker.handle(message("inv-1"))).rejects.toMatchObject({ kind: "transient" });
    expect(await store.isMarked("conn-1", "InvoicesToXero", "inv-1")).toBe(true);
  });

  it("acknowledges a permanent failure and lets the markers go", async () => {
    const { store, worker, message } = setUp({
      run: () => Promise.reject(new SyncError("no default account code", { kind: "config" })),
    });
    await store.mark("conn-1", "InvoicesToXero", "inv-1", "c-1");
    expect(await worker.handle(message("inv-1"))).toMatchObject({
      status: "skipped",
      reason: "no default account code",
    });
    expect(await store.isMarked("conn-1", "InvoicesToXero", "inv-1")).toBe(false);
  });

  it("hands what is left after its rounds to a new message", async () => {
    const context = setUp({
      run: async (scope) => {
        // Every run brings a new event for another record: the worker stops after its rounds.
        await context.store.mark("conn-1", "InvoicesToXero", `next-${context.runs.length}`, "c-next");
        return report(scope.recordIds?.length ?? 0);
      },
    });
    await context.store.mark("conn-1", "InvoicesToXero", "inv-1", "c-1");
    expect(await context.worker.handle(context.message("inv-1"))).toMatchObject({ status: "drained", rounds: 20 });
    expect(context.queue.messages).toHaveLength(1);
  });

  it("takes webhook messages with a record, not timed work", () => {
    const { message } = setUp();
    expect(isRealtimeWork(message("inv-1"))).toBe(true);
    expect(isRealtimeWork(message("inv-1", "webhook", "PaymentsFromXero"))).toBe(true);
    expect(isRealtimeWork({ ...message("inv-1", "schedule") })).toBe(false);
    const withoutRecord: SyncWorkMessage = { ...message("inv-1") };
    delete withoutRecord.recordId;
    expect(isRealtimeWork(withoutRecord)).toBe(false);
    expect(isRealtimeWork(message("inv-1", "realtime", "ReferenceData"))).toBe(false);
  });
});
