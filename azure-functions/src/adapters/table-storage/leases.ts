// Leases stop overlapping runs of one flow for one connection across instances: a row per connection + flow in the
// `leases` table, taken and kept through ETag-conditional writes, expiring by the injected clock so a crashed holder
// never blocks the flow for longer than one lease.
import { randomUUID } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import type { Clock } from "../../core/clock";
import { SyncError, toSyncError } from "../../core/errors";
import { realSleep, type Sleep } from "../../core/retry";
import { isConcurrencyConflict, isNotFound, readEntity, toKey } from "./tables";

export interface Lease {
  connectionId: string;
  flow: string;
  owner: string;
  expiresAt: number;
  etag: string;
}

interface LeaseEntity {
  partitionKey: string;
  rowKey: string;
  owner: string;
  expiresAt: number;
}

export interface LeaseStore {
  /** The lease, or undefined when someone else holds an unexpired one. */
  acquire(connectionId: string, flow: string, durationMs: number, owner?: string): Promise<Lease | undefined>;
  /** Extends a held lease; a `conflict` SyncError when it was lost (expired and taken). */
  renew(lease: Lease, durationMs: number): Promise<Lease>;
  /** Gives the lease up; false when it had already been taken over. */
  release(lease: Lease): Promise<boolean>;
  /**
   * Runs `work` under the lease, then releases it; `{ ran: false }` (without running) when it is held elsewhere.
   * A heartbeat renews the lease every third of `durationMs` while `work` runs; `work` may also call `renew()`.
   */
  withLease<T>(
    connectionId: string,
    flow: string,
    durationMs: number,
    work: (handle: { renew(): Promise<void> }) => Promise<T>,
  ): Promise<{ ran: true; value: T } | { ran: false }>;
}

/** Calls `tick` every `ms` until the returned stop is called (injected so tests can drive it). */
export type Every = (ms: number, tick: () => void) => () => void;

const realEvery: Every = (ms, tick) => {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
};

/**
 * `every` drives `withLease`'s heartbeat: a held lease is renewed every third of its duration while the work runs, so
 * a long run keeps its flow and only a crashed holder's lease expires.
 */
export function createLeaseStore(table: TableClient, clock: Clock, options: { every?: Every } = {}): LeaseStore {
  const every = options.every ?? realEvery;
  const acquire = async (connectionId: string, flow: string, durationMs: number, owner: string = randomUUID()): Promise<Lease | undefined> => {
    const partitionKey = toKey(connectionId);
    const rowKey = toKey(flow);
    const expiresAt = clock.now() + durationMs;
    const entity = { partitionKey, rowKey, owner, expiresAt };
    const current = await readEntity<LeaseEntity>(table, partitionKey, rowKey);
    try {
      if (current === undefined) {
        const created = await table.createEntity(entity);
        return { connectionId, flow, owner, expiresAt, etag: created.etag ?? "" };
      }
      if (current.expiresAt > clock.now() && current.owner !== owner) return undefined;
      const updated = await table.updateEntity(entity, "Replace", { etag: current.etag });
      return { connectionId, flow, owner, expiresAt, etag: updated.etag ?? "" };
    } catch (error) {
      if (isConcurrencyConflict(error)) return undefined;
      throw toSyncError(error, "storage");
    }
  };

  const renew = async (lease: Lease, durationMs: number): Promise<Lease> => {
    const expiresAt = clock.now() + durationMs;
    try {
      const updated = await table.updateEntity(
        { partitionKey: toKey(lease.connectionId), rowKey: toKey(lease.flow), owner: lease.owner, expiresAt },
        "Replace",
        { etag: lease.etag },
      );
      return { ...lease, expiresAt, etag: updated.etag ?? "" };
    } catch (error) {
      if (isConcurrencyConflict(error) || isNotFound(error)) {
        throw new SyncError("the lease was lost to another instance", { kind: "conflict", details: { source: "storage" } });
      }
      throw toSyncError(error, "storage");
    }
  };

  const release = async (lease: Lease): Promise<boolean> => {
    try {
      await table.deleteEntity(toKey(lease.connectionId), toKey(lease.flow), { etag: lease.etag });
      return true;
    } catch (error) {
      if (isConcurrencyConflict(error) || isNotFound(error)) return false;
      throw toSyncError(error, "storage");
    }
  };

  return {
    acquire,
    renew,
    release,
    async withLease(connectionId, flow, durationMs, work) {
      const acquired = await acquire(connectionId, flow, durationMs);
      if (acquired === undefined) return { ran: false };
      let lease: Lease = acquired;
      // Renewals (the heartbeat's and the work's own) run one after another: each needs the previous one's ETag.
      let renewals: Promise<void> = Promise.resolve();
      let lost = false;
      const renewOnce = (): Promise<void> => {
        renewals = renewals.then(async () => {
          if (lost) return;
          try {
            lease = await renew(lease, durationMs);
          } catch (error) {
            lost = true;
            throw error;
          }
        });
        return renewals;
      };
      const stopHeartbeat = every(Math.max(1, Math.floor(durationMs / 3)), () => {
        // A lost lease ends the heartbeat; the work finds out when its own renew() or release reports it.
        renewOnce().catch(() => undefined);
      });
      try {
        return { ran: true, value: await work({ renew: renewOnce }) };
      } finally {
        stopHeartbeat();
        await renewals.catch(() => undefined);
        if (!lost) await release(lease);
      }
    },
  };
}

export interface WaitOptions {
  /** How long the lease is held (it expires by itself if the holder dies). */
  durationMs: number;
  /** How long to wait for a lease someone else holds before giving up with a `conflict` SyncError. */
  waitMs: number;
  /** The pause between attempts. */
  pollMs?: number;
  clock: Clock;
  sleep?: Sleep;
}

/**
 * Runs `work` under the lease, waiting for it when another instance holds it: a mutex across instances for short
 * critical sections (e.g. choosing an organisation's default connector), where `withLease`'s "skip when held" would
 * lose the work.
 */
export async function withLeaseWaiting<T>(
  leases: Pick<LeaseStore, "withLease">,
  key: { connectionId: string; flow: string },
  options: WaitOptions,
  work: () => Promise<T>,
): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  const pollMs = options.pollMs ?? 250;
  const giveUpAt = options.clock.now() + options.waitMs;
  for (;;) {
    const result = await leases.withLease(key.connectionId, key.flow, options.durationMs, work);
    if (result.ran) return result.value;
    if (options.clock.now() >= giveUpAt) {
      throw new SyncError(`another instance held the ${key.flow} lease for longer than ${options.waitMs} ms`, {
        kind: "conflict",
        details: { source: "storage" },
      });
    }
    await sleep(pollMs);
  }
}
