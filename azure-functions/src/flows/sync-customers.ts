// The customers of a batch of invoices, created or updated in Xero before the invoices ("The customer is also synced
// and updated in Xero when an invoice is synced"). Matching: the Xero contact id stored on the account / contact
// (mag_xerocontactid) when there is one — it is where an earlier sync or match put it, and it costs no lookup; for
// the rest one batched lookup by account number, then by name. Then one POST /Contacts per 50 with
// summarizeErrors=false: a contact Xero rejects (an invalid email, an archived contact) fails only its own invoices.
import { SyncError, toSyncError } from "../core/errors";
import { toIdempotencyKey } from "../adapters/xero/idempotency";
import { xeroBatchSize, type XeroPort } from "../adapters/xero/port";
import type { XeroContact, XeroContactRequest } from "../adapters/xero/schemas";
import { toXeroContactRequest } from "../mapping/convert";
import { toCustomerKey, type Customer } from "../model";
import { chunk, type Retrying } from "./batching";
import { toPlainWords } from "./xero-messages";

export type CustomerSyncResult =
  { ok: true; xeroContactId: string; learned: boolean } | { ok: false; error: SyncError };

/** How many where-clauses go into one lookup (keeps the URL well under Xero's limits). */
const lookupChunk = 100;

const normalise = (value: string | undefined): string | undefined => value?.trim().toLowerCase();

/** Matches customers without a stored id to existing Xero contacts: account number first, then name. */
export function matchContacts(customers: readonly Customer[], found: readonly XeroContact[]): Map<string, string> {
  const byNumber = new Map<string, string>();
  const byName = new Map<string, string>();
  for (const contact of found) {
    if (contact.ContactID === undefined) continue;
    const number = normalise(contact.AccountNumber);
    const name = normalise(contact.Name);
    if (number !== undefined && number !== "" && !byNumber.has(number)) byNumber.set(number, contact.ContactID);
    if (name !== undefined && name !== "" && !byName.has(name)) byName.set(name, contact.ContactID);
  }
  const matches = new Map<string, string>();
  for (const customer of customers) {
    const number = normalise(customer.accountNumber);
    const id = (number === undefined ? undefined : byNumber.get(number)) ?? byName.get(normalise(customer.name) ?? "");
    if (id !== undefined) matches.set(toCustomerKey(customer), id);
  }
  return matches;
}

export async function syncCustomers(
  xero: XeroPort,
  customers: readonly Customer[],
  attempt: (customer: Customer) => number,
  retrying: Retrying,
): Promise<Map<string, CustomerSyncResult>> {
  const results = new Map<string, CustomerSyncResult>();
  const unknown = customers.filter((customer) => customer.xeroContactId === undefined);
  const matched = new Map<string, string>();
  for (const part of chunk(unknown, lookupChunk / 2)) {
    const accountNumbers = part.flatMap((customer) =>
      customer.accountNumber === undefined ? [] : [customer.accountNumber],
    );
    const found = await retrying(() =>
      xero.findContacts({ accountNumbers, names: part.map((customer) => customer.name) }),
    );
    for (const [key, id] of matchContacts(part, found)) matched.set(key, id);
  }

  const requests: { customer: Customer; request: XeroContactRequest; learned: boolean }[] = customers.map(
    (customer) => {
      const matchedId = matched.get(toCustomerKey(customer));
      const withId = matchedId === undefined ? customer : { ...customer, xeroContactId: matchedId };
      return { customer, request: toXeroContactRequest(withId), learned: customer.xeroContactId === undefined };
    },
  );

  for (const batch of chunk(requests, xeroBatchSize)) {
    const key = toIdempotencyKey(
      "contacts",
      batch.map(({ customer }) => ({ id: customer.dynamicsId, attempt: attempt(customer) })),
      batch.map(({ request }) => request),
    );
    let answers;
    try {
      answers = await retrying(() =>
        xero.saveContacts(
          batch.map(({ request }) => request),
          key,
        ),
      );
    } catch (thrown) {
      const error = toSyncError(thrown, "xero");
      for (const { customer } of batch) results.set(toCustomerKey(customer), { ok: false, error });
      if (error.kind === "auth") throw error;
      continue;
    }
    answers.forEach((answer, index) => {
      const entry = batch[index];
      if (entry === undefined) return;
      const customerKey = toCustomerKey(entry.customer);
      const contactId = answer.value?.ContactID;
      if (answer.ok && contactId !== undefined) {
        results.set(customerKey, {
          ok: true,
          xeroContactId: contactId,
          learned: entry.learned || contactId !== entry.customer.xeroContactId,
        });
      } else {
        const text = `Xero rejected the customer ${entry.customer.name}: ${toPlainWords(answer.ok ? ["no contact id returned"] : answer.errors)}`;
        results.set(customerKey, { ok: false, error: validationError(text, answer.ok ? [] : answer.errors) });
      }
    });
  }
  return results;
}

function validationError(message: string, validationErrors: readonly string[]): SyncError {
  return new SyncError(message, { kind: "validation", origin: "user", details: { source: "xero", validationErrors } });
}
