// Port wrappers for tests: record what a flow sent, or stop it dead at a chosen step (a killed process: the call
// never returns, nothing after it runs).
import type { XeroPort } from "../../src/adapters/xero/port";
import type { XeroInvoiceRequest } from "../../src/adapters/xero/schemas";
import type { SyncStore } from "../../src/flows/ports";

export function recordingXero(port: XeroPort): { port: XeroPort; invoices: XeroInvoiceRequest[] } {
  const invoices: XeroInvoiceRequest[] = [];
  const wrapped = new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === "createInvoices") {
        return async (requests: XeroInvoiceRequest[], key: string) => {
          invoices.push(...requests);
          return target.createInvoices(requests, key);
        };
      }
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { port: wrapped, invoices };
}

/** A promise that never settles: the "process" is gone. */
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

export interface KillSwitch {
  /** Resolves when the run reached the kill point. */
  reached: Promise<void>;
}

function killSwitch(): KillSwitch & { hit(): void } {
  let hit = () => undefined as void;
  const reached = new Promise<void>((resolve) => {
    hit = resolve;
  });
  return { reached, hit };
}

/** Dies right before the invoice batch reaches Xero (`before`), or after Xero answered but before the flow sees it (`after`). */
export function killingXero(port: XeroPort, when: "before" | "after"): { port: XeroPort } & KillSwitch {
  const kill = killSwitch();
  const wrapped = new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === "createInvoices") {
        return async (requests: XeroInvoiceRequest[], key: string) => {
          if (when === "after") await target.createInvoices(requests, key);
          kill.hit();
          return never();
        };
      }
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { port: wrapped, reached: kill.reached };
}

/** A store whose write-back fails (`throw`) or never returns (`kill`). */
export function failingCommit(store: SyncStore, how: "throw" | "kill"): { store: SyncStore } & KillSwitch {
  const kill = killSwitch();
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === "commit") {
        return async () => {
          kill.hit();
          if (how === "throw") throw new Error("Dataverse is unavailable");
          return never();
        };
      }
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, reached: kill.reached };
}
