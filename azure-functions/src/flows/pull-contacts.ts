// Contacts: Xero to Dynamics 365 (off by default: Dynamics 365 is usually the source of truth for customers). Each
// Xero contact changed since the cursor creates or updates an account by the reference docs' mapping, matched by
// account number, then name. Reference docs: "Contacts: Xero to Dynamics 365";
// Xero: https://developer.xero.com/documentation/api/accounting/contacts
import type { BatchOperation } from "../adapters/dataverse/batch";
import type { XeroPulledContact } from "../adapters/xero/pull-schemas";
import { account } from "../generated/dataverse";
import { fromXeroContact } from "../mapping/convert-from-xero";
import type { AccountFromXero } from "../model/payment";
import type { PageResult } from "./incremental-read";
import type { RunScope } from "./ports";
import {
  findAccountsFor,
  isAccountUnchanged,
  matchAccount,
  toAccountBody,
  toAccountCreate,
  toAccountUpdate,
} from "./pull-accounts";
import {
  isFailure,
  runPull,
  toUserError,
  toWriteError,
  updatedAtOf,
  type PullDependencies,
  type PullFailure,
  type PullOptions,
} from "./pull-common";
import type { AccountMatch, PullLookups } from "./pull-store";
import type { FlowReport } from "./run-report";

export class PullContactsFlow {
  constructor(
    private readonly deps: PullDependencies,
    private readonly options: PullOptions = {},
  ) {}

  run(scope: RunScope): Promise<FlowReport> {
    let lookups: PullLookups | undefined;
    return runPull(
      this.deps,
      scope,
      {
        read: (query) => this.deps.xero.getContactsModified(query),
        id: (contact: XeroPulledContact) => contact.ContactID,
        updatedAt: (contact: XeroPulledContact) => updatedAtOf(contact.UpdatedDateUTC),
      },
      async (records, fail, page) => {
        lookups ??= await this.deps.pull.loadLookups(scope.connectorId);
        return this.writePage(records, lookups, fail, page.retried);
      },
      this.options,
    );
  }

  private async writePage(
    records: XeroPulledContact[],
    lookups: PullLookups,
    fail: (failure: PullFailure) => void,
    retried: boolean,
  ): Promise<PageResult> {
    const page: PageResult = { synced: 0, failed: 0, retryIds: [] };
    const contacts: AccountFromXero[] = [];
    for (const record of records) {
      try {
        contacts.push(fromXeroContact(record));
      } catch (thrown) {
        page.failed += 1;
        fail({
          table: account.logicalName,
          xeroId: record.ContactID,
          name: record.Name ?? record.ContactID,
          error: toUserError(thrown, "The Xero contact"),
        });
      }
    }
    if (contacts.length === 0) return page;
    const accounts: AccountMatch[] = await findAccountsFor(this.deps.pull, contacts);
    const operations: Array<{ operation: BatchOperation; contact: AccountFromXero }> = [];
    for (const contact of contacts) {
      try {
        const body = toAccountBody(contact, lookups);
        const existing = matchAccount(contact, accounts);
        if (existing === undefined) {
          const created = toAccountCreate(body);
          // Later contacts of the page with the same number or name update this one instead of creating another.
          accounts.push({
            id: created.id,
            name: contact.name,
            ...(contact.accountNumber === undefined ? {} : { accountNumber: contact.accountNumber }),
            xeroContactId: contact.xeroContactId.toLowerCase(),
            columns: body.columns,
            currencyId: body.currencyId,
          });
          operations.push({ operation: created.operation, contact });
        } else if (retried || !isAccountUnchanged(body, existing)) {
          operations.push({ operation: toAccountUpdate(existing.id, body), contact });
        }
      } catch (thrown) {
        page.failed += 1;
        fail({
          table: account.logicalName,
          xeroId: contact.xeroContactId,
          name: contact.name,
          error: toUserError(thrown, "The Xero contact"),
        });
      }
    }
    const results = await this.deps.pull.write(operations.map((entry) => entry.operation));
    operations.forEach((entry, index) => {
      const result = results[index];
      if (!isFailure(result)) {
        page.synced += 1;
        return;
      }
      page.failed += 1;
      page.retryIds.push(entry.contact.xeroContactId);
      fail({
        table: account.logicalName,
        xeroId: entry.contact.xeroContactId,
        name: entry.contact.name,
        error: toWriteError(result),
      });
    });
    return page;
  }
}
