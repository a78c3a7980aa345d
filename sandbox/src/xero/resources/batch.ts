// Saving a batch of elements (PUT/POST with an array) with Xero's summarizeErrors semantics.
// https://developer.xero.com/documentation/api/accounting/requests-and-responses#summarize-errors
// summarizeErrors=false: 200 with every element; each carries StatusAttributeString OK or ERROR, and the failed ones
// their ValidationErrors and the error flag. summarizeErrors=true (the default): any failure answers 400
// ValidationException listing the failed elements. Elements are validated and saved one after the other, so a later
// element sees the earlier ones; elements that passed are kept even when the answer is 400, as Xero does
// (https://github.com/XeroAPI/xero-php-oauth2/issues/13).
import { toValidationException, type XeroAnswer } from "../http/xero-errors";
import type { XeroObject } from "../store/types";
import { toEnvelope, type HandlerContext } from "./context";

export type ElementOutcome = { ok: true; commit: () => XeroObject } | { ok: false; errors: readonly string[] };

export interface BatchOptions {
  collection: string;
  /** The flag Xero sets on a failed element: HasErrors (invoices, credit notes) or HasValidationErrors (contacts, payments). */
  errorFlag?: "HasErrors" | "HasValidationErrors";
}

export function saveBatch(
  context: HandlerContext,
  elements: readonly XeroObject[],
  options: BatchOptions,
  prepare: (element: XeroObject) => ElementOutcome,
): XeroAnswer {
  const results: Array<{ ok: boolean; rendered: XeroObject }> = elements.map((element) => {
    const outcome = prepare(element);
    if (outcome.ok) return { ok: true, rendered: outcome.commit() };
    return { ok: false, rendered: toFailedElement(element, outcome.errors, options.errorFlag) };
  });
  const failed = results.filter((result) => !result.ok);
  if (context.summarizeErrors && failed.length > 0)
    return toValidationException(failed.map((result) => result.rendered));
  const rendered = results.map((result) =>
    context.summarizeErrors
      ? result.rendered
      : { ...result.rendered, StatusAttributeString: result.ok ? "OK" : "ERROR" },
  );
  return { status: 200, body: toEnvelope(context, { [options.collection]: rendered }) };
}

function toFailedElement(element: XeroObject, errors: readonly string[], flag: BatchOptions["errorFlag"]): XeroObject {
  return {
    ...element,
    ...(flag === undefined ? {} : { [flag]: true }),
    ValidationErrors: errors.map((message) => ({ Message: message })),
  };
}
