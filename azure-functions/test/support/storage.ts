// Azurite for adapter tests: one instance per test file, a fresh table per test (unique names, no cleanup needed).
import type { TableClient } from "@azure/data-tables";
import { startAzurite, type Azurite } from "../../../sandbox/src/azurite";
import { ensureTable, openTable } from "../../src/adapters/table-storage/tables";
import type { KeyRing } from "../../src/security/encryption";

let counter = 0;

export async function startStorage(): Promise<Azurite> {
  return startAzurite();
}

export async function freshTable(azurite: Azurite, prefix: string): Promise<TableClient> {
  counter++;
  const table = openTable(azurite.connectionString, `${prefix}${process.pid}x${counter}`.replace(/[^A-Za-z0-9]/g, ""));
  await ensureTable(table);
  return table;
}

export function testKeyRing(currentKeyId = "k1", ids: readonly string[] = ["k1"]): KeyRing {
  return { currentKeyId, keys: new Map(ids.map((id, index) => [id, Buffer.alloc(32, index + 7)])) };
}

/** A Sleep that records each wait (and moves a manual clock by it) instead of waiting. */
export function recordingSleep(waits: number[], clock?: { advance(ms: number): void }): (ms: number) => Promise<void> {
  return (ms) => {
    waits.push(ms);
    clock?.advance(ms);
    return Promise.resolve();
  };
}

export const noSleep = (): Promise<void> => Promise.resolve();
