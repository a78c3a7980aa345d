// Accounts from Xero contacts, shared by "Contacts: Xero to Dynamics 365" (create or update) and "Invoices: Xero to
// Dynamics 365" (create when missing, never overwrite). Matching per the reference docs: by account number when the
// contact has one, then by name; then by the Xero contact id the service stores on accounts it links.
import { randomUUID } from "node:crypto";
import type { BatchOperation } from "../adapters/dataverse/batch";
import { toKeySegment } from "../adapters/dataverse/odata";
import { account, transactioncurrency } from "../generated/dataverse";
import { toAccountColumns } from "../mapping/convert-from-xero";
import type { Plain } from "../mapping/engine";
import type { AccountFromXero } from "../model/payment";
import { missing, toBind } from "./pull-common";
import type { AccountMatch, PullLookups, PullStore } from "./pull-store";

/** Accounts that may match a page of contacts (one Dataverse query per match kind and 100 values). */
export async function findAccountsFor(pull: PullStore, contacts: readonly AccountFromXero[]): Promise<AccountMatch[]> {
  return pull.findAccounts({
    numbers: contacts.flatMap((contact) => (contact.accountNumber === undefined ? [] : [contact.accountNumber])),
    names: contacts.map((contact) => contact.name),
    xeroContactIds: contacts.map((contact) => contact.xeroContactId),
  });
}

export function matchAccount(contact: AccountFromXero, accounts: readonly AccountMatch[]): AccountMatch | undefined {
  const lower = (value: string | undefined): string | undefined => value?.toLowerCase();
  if (contact.accountNumber !== undefined) {
    const byNumber = accounts.find((candidate) => lower(candidate.accountNumber) === lower(contact.accountNumber));
    if (byNumber !== undefined) return byNumber;
  }
  return (
    accounts.find((candidate) => lower(candidate.name) === lower(contact.name)) ??
    accounts.find((candidate) => candidate.xeroContactId === lower(contact.xeroContactId))
  );
}

/** The account's columns and its currency (a Default Currency Dynamics 365 does not have is a failure, not a guess). */
export function toAccountBody(
  contact: AccountFromXero,
  lookups: PullLookups,
): { columns: Plain; currencyId: string | null } {
  const currencyId =
    contact.currencyCode === undefined ? null : lookups.currencies.get(contact.currencyCode.toUpperCase());
  if (currencyId === undefined)
    throw missing(
      `The currency ${contact.currencyCode ?? ""} of the Xero contact "${contact.name}" is not in Dynamics 365.`,
    );
  return { columns: toAccountColumns(contact), currencyId: currencyId === null ? null : currencyId.toLowerCase() };
}

export function isAccountUnchanged(
  body: { columns: Plain; currencyId: string | null },
  existing: AccountMatch,
): boolean {
  const normalise = (value: unknown): unknown => (typeof value === "string" ? value.toLowerCase() : (value ?? null));
  const sameColumns = Object.entries(body.columns).every(
    ([name, value]) => normalise(existing.columns[name]) === normalise(value),
  );
  return sameColumns && (body.currencyId === null || body.currencyId === existing.currencyId);
}

const currencyBind = (currencyId: string | null): Plain =>
  currencyId === null
    ? {}
    : toBind(
        account.navigation.transactioncurrencyid.transactioncurrency,
        transactioncurrency.entitySetName,
        currencyId,
      );

/** A new account with a client-made id, so rows later in the same $batch can bind to it. */
export function toAccountCreate(body: { columns: Plain; currencyId: string | null }): {
  id: string;
  operation: BatchOperation;
} {
  const id = randomUUID();
  return {
    id,
    operation: {
      method: "POST",
      path: account.entitySetName,
      body: { [account.columns.accountid]: id, ...body.columns, ...currencyBind(body.currencyId) },
    },
  };
}

export function toAccountUpdate(
  accountId: string,
  body: { columns: Plain; currencyId: string | null },
): BatchOperation {
  return {
    method: "PATCH",
    path: `${account.entitySetName}${toKeySegment(accountId)}`,
    headers: { "If-Match": "*" },
    body: { ...body.columns, ...currencyBind(body.currencyId) },
  };
}
