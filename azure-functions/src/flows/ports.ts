// The ports the flows run against, injected by constructor. Dataverse reads and the single write-back per run go
// through a store (implemented over the Dataverse Web API in ../engine/dataverse-store.ts); Xero through
// ../adapters/xero/port.ts; the in-flight journal through Table Storage. Records cross these ports as plain rows
// shaped for the mapping tables (see ../mapping/README.md) or as the outcomes below.
import type { Clock } from "../core/clock";
import type { SyncErrorKind } from "../core/errors";
import type { Logger } from "../core/logger";
import type { Sleep } from "../core/retry";
import type { Plain } from "../mapping/engine";
import type { AccountCode, BrandingTheme, ConnectorSettings, CustomerRef, TaxRate, TrackingCategory } from "../model";

/** Xero's reference data for one connector. `accountCodesComplete` is false when only changes were read. */
export interface ReferenceData {
  accountCodes: AccountCode[];
  accountCodesComplete: boolean;
  taxRates: TaxRate[];
  brandingThemes: BrandingTheme[];
  trackingCategories: TrackingCategory[];
}

export type { FlowName } from "../adapters/queue/work-queue";
import type { FlowName } from "../adapters/queue/work-queue";

/** Which connector a run serves and how (from the data-flow row). */
export interface RunScope {
  connectionId: string;
  connectorId: string;
  /** Invoices with no connector go to the default connector. */
  isDefaultConnector: boolean;
  flow: FlowName;
  /** "Sync last X days": only records modified since then qualify. */
  modifiedSince: Date;
  /** The data-flow row the run's result is written to. */
  dataFlowId?: string;
  /** Real-time work: only these records (still subject to the selection criteria). */
  recordIds?: string[];
  /** When this flow last ran for the connector (reference data reads Xero changes since then). */
  lastRunOn?: Date;
  correlationId: string;
}

export type RunResultKind = "Succeeded" | "PartiallySucceeded" | "Failed" | "NothingToDo";

export interface RunResult {
  flow: FlowName;
  result: RunResultKind;
  synced: number;
  failed: number;
  message: string;
  ranOn: Date;
}

/** A record's outcome, written back in the run's single $batch. */
export type RecordOutcome =
  | {
      kind: "synced";
      table: "invoice" | "mag_creditnote";
      id: string;
      xeroId: string;
      /** Invoices: the online invoice URL when approved. */
      payNowLink?: string;
      /** Invoice emails: the email was sent. */
      emailSent?: boolean;
      /** Invoice emails: also clear Xero Sync Error, which holds this flow's note (see invoice-email-notes.ts). */
      clearNote?: boolean;
    }
  | {
      kind: "failed";
      table: "invoice" | "mag_creditnote";
      id: string;
      name: string;
      errorKind: SyncErrorKind;
      message: string;
      /** A permanent failure moves the push attempt on, so a retry gets a fresh Idempotency-Key. */
      nextPushAttempt?: number;
      /** Credit notes: created in Xero, but the allocation failed (a retry only allocates). */
      xeroId?: string;
    }
  | { kind: "retrying"; table: "invoice" | "mag_creditnote"; id: string; name: string; message: string }
  /**
   * Invoice emails: why Xero has not emailed a synced invoice, in Xero Sync Error only (null clears it). The sync
   * status stays as it is: the invoice is in Xero; only its email is held up.
   */
  | { kind: "noted"; table: "invoice"; id: string; message: string | null };

export interface CustomerLink {
  ref: CustomerRef;
  xeroContactId: string;
}

export interface SyncLogEntry {
  flow: FlowName;
  table: string;
  recordId: string;
  recordName: string;
  errorKind: SyncErrorKind;
  errorText: string;
  occurredOn: Date;
  correlationId: string;
}

export interface ConnectorUpdate {
  lastSynchedOn?: Date;
  callsRemainingToday?: number;
  /** Set when Xero refused the connection's grant. */
  disconnected?: { reason: string };
}

export interface WriteBack {
  scope: RunScope;
  records: RecordOutcome[];
  customers: CustomerLink[];
  logs: SyncLogEntry[];
  run: RunResult;
  connector: ConnectorUpdate;
}

export interface CommitResult {
  /** Records whose write failed: their outcome is not durable, so their journal entries stay. */
  failedRecordIds: string[];
}

export interface SyncStore {
  /** Invoices meeting the push selection criteria, lines and lookups expanded (Invoices: Dynamics 365 to Xero). */
  selectInvoicesToPush(scope: RunScope, top: number): Promise<Plain[]>;
  /** The connector's settings, defaults resolved to codes. */
  loadConnector(connectorId: string): Promise<ConnectorSettings>;
  /** Accounts and contacts with their primary contact and billing contacts, shaped for the customer tables. */
  loadCustomers(refs: readonly CustomerRef[]): Promise<Plain[]>;
  /** Credit notes meeting the push selection criteria, with the related invoice's Xero id. */
  selectCreditNotesToPush(scope: RunScope, top: number): Promise<Plain[]>;
  /** Invoices meeting the invoice-email selection criteria (Dynamics 365 side). */
  selectInvoiceEmailsToSend(scope: RunScope, top: number): Promise<Plain[]>;
  /** Products modified since, shaped for the item table. */
  selectProducts(modifiedSince: Date | undefined, top: number): Promise<Plain[]>;
  /** Upserts Xero's reference data into the connector's rows, matched on name; returns rows written. */
  saveReferenceData(connectorId: string, data: ReferenceData): Promise<number>;
  /** Writes every outcome of a run in one $batch: the commit point of a push. Returns the records whose write failed. */
  commit(writeBack: WriteBack): Promise<CommitResult>;
}

/** Which records have a push in flight whose outcome is not yet written back (Table Storage `idempotency`). */
export interface PushJournal {
  inFlight(connectionId: string, recordIds: readonly string[]): Promise<Set<string>>;
  begin(connectionId: string, recordIds: readonly string[]): Promise<void>;
  end(connectionId: string, recordIds: readonly string[]): Promise<void>;
}

export interface FlowDependencies {
  store: SyncStore;
  journal: PushJournal;
  clock: Clock;
  sleep: Sleep;
  logger: Logger;
  /** Randomness for backoff jitter (tests pass a constant). */
  random?: () => number;
}
