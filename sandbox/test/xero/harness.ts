// Shared set-up for the Xero emulator tests: an emulator with one organisation and a xero-node client pointed at it
// (never `initialize()`: the client takes the token set and the emulator's base path, and nothing else).
import { XeroClient } from "xero-node";
import { ManualClock } from "../../src/clock";
import { startXeroEmulator, type XeroEmulator, type XeroEmulatorOptions } from "../../src/xero";

export interface Harness {
  emulator: XeroEmulator;
  xero: XeroClient;
  tenantId: string;
  clock: ManualClock;
}

export async function startHarness(options: XeroEmulatorOptions = {}): Promise<Harness> {
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 9, 0, 0));
  const emulator = await startXeroEmulator({ clock, ...options });
  const { tenantId } = emulator.createOrganisation({ name: "Demo Company (NZ)" });
  const xero = clientFor(emulator, [tenantId]);
  return { emulator, xero, tenantId, clock };
}

export function clientFor(
  emulator: XeroEmulator,
  tenantIds: readonly string[],
  scopes?: readonly string[],
): XeroClient {
  const xero = new XeroClient();
  xero.setTokenSet(emulator.issueTokenSet({ tenantIds, ...(scopes === undefined ? {} : { scopes }) }));
  xero.accountingApi.basePath = emulator.apiUrl;
  return xero;
}

/** A fresh token for the harness's client (access tokens live 30 minutes on the emulated clock). */
export function renewToken(h: Harness): void {
  h.xero.setTokenSet(h.emulator.issueTokenSet({ tenantIds: [h.tenantId] }));
}

/** The status and body of a rejected xero-node call (it rejects with a JSON string of the response). */
export function toRejection(error: unknown): { statusCode: number; body: unknown; headers: Record<string, string> } {
  const parsed = JSON.parse(typeof error === "string" ? error : String(error)) as {
    response: { statusCode: number; body: unknown; headers: Record<string, string> };
  };
  return parsed.response;
}

export async function rejectionOf(
  promise: Promise<unknown>,
): Promise<{ statusCode: number; body: unknown; headers: Record<string, string> }> {
  try {
    await promise;
  } catch (error) {
    return toRejection(error);
  }
  throw new Error("the call succeeded but a rejection was expected");
}

/** Every response the emulator sent so far matched the spec. */
export function expectNoSpecViolations(emulator: XeroEmulator): void {
  const { responseViolations, violations } = emulator.stats();
  expect(violations.filter((violation) => violation.direction === "response")).toEqual([]);
  expect(responseViolations).toBe(0);
}
