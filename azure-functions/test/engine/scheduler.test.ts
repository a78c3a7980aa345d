// The scheduler's real-time port over fakes: it gets the switch from the same connector read, runs after the fan-out,
// and its trouble never stops a connection's flows or the other connections.
import type { DataversePort } from "../../src/adapters/dataverse/port";
import { createMemoryWorkQueue } from "../../src/adapters/queue/work-queue";
import type { Connection } from "../../src/adapters/table-storage/connection-store";
import { ManualClock } from "../../src/core/clock";
import { SyncError } from "../../src/core/errors";
import { createMemoryLogger } from "../../src/core/logger";
import { Scheduler, type RealtimeSwitch, type RealtimeSwitchOutcome } from "../../src/engine/scheduler";
import { createMemoryScopeStore } from "../../src/engine/scope-store";
import { mag_flow, mag_xerostatus } from "../../src/generated/dataverse";

const clock = new ManualClock(Date.UTC(2026, 2, 2, 9, 0, 0));

const connectionNamed = (id: string, connectorId: string): Connection => ({
  id,
  dataverse: { url: `https://${id}.example`, tenantId: "t", clientId: "c", clientSecret: "s" },
  xero: { tenantId: `xt-${id}`, tenantName: id },
  connectorId,
  status: "connected",
  statusReason: null,
  createdOn: new Date(0).toISOString(),
  updatedOn: new Date(0).toISOString(),
});

/** One connector row with one due flow, as the expanded read returns it; counts the reads. */
function dataverseWith(realtimeEnabled: boolean | null, reads: { count: number }): DataversePort {
  return {
    retrieve: () => {
      reads.count += 1;
      return Promise.resolve({
        mag_xeroconnectorid: "connector",
        mag_enabled: true,
        mag_isdefault: true,
        mag_xerostatus: mag_xerostatus.Connected,
        mag_syncrequestedon: null,
        mag_realtimeenabled: realtimeEnabled,
        mag_xeroconnector_xerodataflow_xeroconnectorid: [
          {
            mag_xerodataflowid: "df-1",
            mag_flow: mag_flow.InvoicesToXero,
            mag_enabled: true,
            mag_intervalminutes: 15,
            mag_synclastxdays: 7,
            mag_lastrunon: null,
          },
        ],
      });
    },
  } as unknown as DataversePort;
}

function setup(
  switches: Record<string, boolean | null>,
  follow: (request: { connection: Connection; enabled: boolean }) => Promise<RealtimeSwitchOutcome>,
) {
  const connections = Object.keys(switches).map((id) => connectionNamed(id, `connector-${id}`));
  const reads = { count: 0 };
  const dataverse = new Map(connections.map((c) => [c.id, dataverseWith(switches[c.id] ?? null, reads)]));
  const queue = createMemoryWorkQueue();
  const logger = createMemoryLogger();
  const seen: Array<[string, boolean]> = [];
  const realtime: RealtimeSwitch = {
    follow: (request) => {
      // The flows are already queued when the switch is followed.
      expect(queue.messages.some(({ message }) => message.connectionId === request.connection.id)).toBe(true);
      seen.push([request.connection.id, request.enabled]);
      expect(request.dataverse).toBe(dataverse.get(request.connection.id));
      return follow(request);
    },
  };
  const scheduler = new Scheduler({
    connections: { list: () => Promise.resolve(connections) },
    dataverseFor: (connection) => dataverse.get(connection.id) as DataversePort,
    queue,
    scopes: createMemoryScopeStore(),
    clock,
    logger,
    realtime,
  });
  return { scheduler, queue, logger, seen, reads };
}

test("hands each connection's switch from the connector read to the real-time port and counts the changes", async () => {
  const outcomes: Record<string, RealtimeSwitchOutcome> = { a: "registered", b: "unchanged", c: "removed" };
  const { scheduler, seen, reads } = setup({ a: true, b: false, c: null }, ({ connection }) =>
    Promise.resolve(outcomes[connection.id] ?? "unchanged"),
  );
  expect(await scheduler.run()).toStrictEqual({
    connections: 3,
    enqueued: 3,
    failedConnections: 0,
    realtimeChanged: 2,
    realtimeFailed: 0,
  });
  expect(seen).toStrictEqual([
    ["a", true],
    ["b", false],
    ["c", false],
  ]);
  expect(reads.count).toBe(3);
});

test("a port that rejects (its table unreachable) leaves the flows queued and the next connection scheduled", async () => {
  const { scheduler, queue, logger, seen } = setup({ a: true, b: true }, ({ connection }) =>
    connection.id === "a"
      ? Promise.reject(
          new SyncError("Table Storage answered 503", { kind: "transient", details: { source: "storage" } }),
        )
      : Promise.resolve("failed"),
  );
  expect(await scheduler.run()).toStrictEqual({
    connections: 2,
    enqueued: 2,
    failedConnections: 0,
    realtimeChanged: 0,
    realtimeFailed: 2,
  });
  expect(seen.map(([id]) => id)).toStrictEqual(["a", "b"]);
  expect(queue.messages.map(({ message }) => [message.connectionId, message.flow])).toStrictEqual([
    ["a", "InvoicesToXero"],
    ["b", "InvoicesToXero"],
  ]);
  expect(logger.entries.filter((entry) => entry.level === "warn")).toStrictEqual([
    expect.objectContaining({
      message: "could not follow the Real-time switch",
      data: expect.objectContaining({ connectionId: "a" }),
    }),
  ]);
});

test.each(["waiting", "held", "busy"] as const)(
  "a port that does not try (%s) counts neither change nor failure",
  async (outcome) => {
    const { scheduler } = setup({ a: true }, () => Promise.resolve(outcome));
    expect(await scheduler.run()).toMatchObject({ enqueued: 1, realtimeChanged: 0, realtimeFailed: 0 });
  },
);
