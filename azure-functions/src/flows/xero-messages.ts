// Xero's validation messages turned into plain words on the record: which line's account code, tax type or item was
// rejected. Xero's messages name the code ("Account code '999' is not a valid code for this document."), so the line
// is found by the code it carries. https://developer.xero.com/documentation/api/accounting/responsecodes
import type { XeroLineItemRequest } from "../adapters/xero/schemas";

const codeFields = ["AccountCode", "TaxType", "ItemCode"] as const;

function describeLine(line: XeroLineItemRequest, index: number): string {
  const label = line.Description ?? line.ItemCode;
  return label === undefined ? `Line ${index + 1}` : `Line ${index + 1} (${label})`;
}

/** Prefixes each message with the lines whose codes it names; joins them into one text. */
export function toPlainWords(messages: readonly string[], lines: readonly XeroLineItemRequest[] = []): string {
  const described = messages.map((message) => {
    const named = lines.flatMap((line, index) =>
      codeFields.some((field) => {
        const code = line[field];
        return code !== undefined && code !== "" && (message.includes(`'${code}'`) || message.includes(`"${code}"`));
      })
        ? [describeLine(line, index)]
        : [],
    );
    return named.length === 0 ? message : `${named.join(", ")}: ${message}`;
  });
  return [...new Set(described)].join(" ");
}

/** Messages that mean our copy of Xero's reference data may be stale. */
export function mentionsReferenceData(messages: readonly string[]): boolean {
  return messages.some((message) => /account code|tax ?type|tax rate|tracking|branding theme|item code/i.test(message));
}
