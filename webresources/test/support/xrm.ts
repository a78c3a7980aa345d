// Test doubles for the form scripts: an xrm-mock page (global Xrm, form context, attributes, controls, tabs) and
// ports whose Web API is the mock's Xrm.WebApi with jest spies standing in for the server.
import { XrmMockGenerator } from "xrm-mock";
import type { ClientPorts } from "../../src/shared/ports";

export const fixedNow = new Date("2026-11-22T10:00:00Z");

/** A deterministic stand-in for the user's date format. */
export const formatIso = (value: Date): string => value.toISOString();

export type Row = Record<string, unknown>;

/** Answers Xrm.WebApi calls; each handler sees the table and the query options it was called with. */
export interface FakeServer {
  retrieveMultiple?: (table: string, options: string) => Row[] | Promise<Row[]>;
  retrieve?: (table: string, id: string, options: string) => Row | Promise<Row>;
  update?: (table: string, id: string, data: Row) => void | Promise<void>;
}

export interface TestPorts extends ClientPorts {
  copyText: jest.Mock<Promise<boolean>, [string]>;
  showProgress: jest.Mock<void, [string]>;
  closeProgress: jest.Mock<void, []>;
  later: jest.Mock<void, [number, () => void]>;
}

/** Xrm's promises also carry `fail` and `always`; the scripts use only `then`, so a native promise stands in. */
function asXrmPromise<T>(promise: Promise<T>): Xrm.Async.PromiseLike<T> {
  return promise as unknown as Xrm.Async.PromiseLike<T>;
}

/** Starts a fresh xrm-mock page for one record and wires Xrm.WebApi to `server`. */
export function initialisePage(entityName: string, id: string | undefined, server: FakeServer = {}): TestPorts {
  XrmMockGenerator.initialise({ entity: { entityName, id: id ?? "" } });
  // xrm-mock invents an id for a record without one; a new record's form has none.
  if (id === undefined) (XrmMockGenerator.getFormContext().data.entity as unknown as { id: string }).id = "";
  const webApi = Xrm.WebApi;
  jest.spyOn(webApi, "retrieveMultipleRecords").mockImplementation((table: string, options?: string) =>
    asXrmPromise(
      (async () => {
        if (server.retrieveMultiple === undefined) throw new Error(`unexpected retrieveMultipleRecords(${table})`);
        return { entities: await server.retrieveMultiple(table, options ?? ""), nextLink: "" };
      })(),
    ),
  );
  jest.spyOn(webApi, "retrieveRecord").mockImplementation((table: string, recordId: string, options?: string) =>
    asXrmPromise(
      (async () => {
        if (server.retrieve === undefined) throw new Error(`unexpected retrieveRecord(${table})`);
        return server.retrieve(table, recordId, options ?? "");
      })(),
    ),
  );
  jest.spyOn(webApi, "updateRecord").mockImplementation((table: string, recordId: string, data: Row) =>
    asXrmPromise(
      (async () => {
        if (server.update === undefined) throw new Error(`unexpected updateRecord(${table})`);
        await server.update(table, recordId, data);
        return { entityType: table, id: recordId };
      })(),
    ),
  );
  return {
    webApi,
    navigation: Xrm.Navigation,
    copyText: jest.fn<Promise<boolean>, [string]>().mockResolvedValue(true),
    formatDateTime: formatIso,
    now: () => fixedNow,
    showProgress: jest.fn<void, [string]>(),
    closeProgress: jest.fn<void, []>(),
    later: jest.fn<void, [number, () => void]>(),
  };
}

export function formContext(): Xrm.FormContext {
  return XrmMockGenerator.getFormContext();
}

export function eventContext(): Xrm.Events.EventContext {
  return XrmMockGenerator.getEventContext();
}

/** An OnSave event context over the current form, with a spy for preventDefault. */
export function saveEventContext(): Xrm.Events.SaveEventContext & { preventDefault: jest.Mock } {
  const preventDefault = jest.fn();
  const base = eventContext();
  return Object.assign(Object.create(base) as Xrm.Events.SaveEventContext, {
    getEventArgs: () => ({ preventDefault, isDefaultPrevented: () => preventDefault.mock.calls.length > 0 }),
    preventDefault,
  });
}

/** The form-level notifications currently shown, as plain objects. */
export function formNotifications(): { id: string; level: string; message: string }[] {
  const ui = XrmMockGenerator.getFormContext().ui as unknown as {
    formNotifications?: ({ uniqueId: string; level: string; message: string } | undefined)[];
  };
  return (ui.formNotifications ?? [])
    .filter((n): n is { uniqueId: string; level: string; message: string } => n !== undefined)
    .map((n) => ({ id: n.uniqueId, level: n.level, message: n.message }));
}

export function notification(id: string): { id: string; level: string; message: string } | undefined {
  return formNotifications().find((n) => n.id === id);
}

export function isDisabled(column: string): boolean {
  const control = formContext().getControl<Xrm.Controls.StandardControl>(column);
  if (control === null) throw new Error(`no control ${column}`);
  return control.getDisabled();
}

/** Lets queued promise callbacks and xrm-mock's 1 ms dialog timers run. */
export async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 5));
}
