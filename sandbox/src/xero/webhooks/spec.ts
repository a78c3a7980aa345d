import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { fullFormats } from "ajv-formats/dist/formats";
import { parse } from "yaml";

// Checks what the sender posts against the vendored official webhook spec (sandbox/vendor/xero/xero-webhooks.yaml,
// OpenAPI 3.1, so JSON Schema 2020-12). One relaxation: Xero sends eventDateUtc without a zone
// ("2024-06-21T01:15:39.902", the spec's own examples), which strict RFC 3339 date-time rejects, so date-time here is
// ajv-formats' iso-date-time (offset optional).

export const webhookSpecPath = path.join(__dirname, "../../../vendor/xero/xero-webhooks.yaml");

export type PayloadValidator = (payload: unknown) => string[];

let compiled: PayloadValidator | undefined;

/** The validator for the vendored spec, compiled once per process (compiling takes most of a second). */
export function defaultWebhookPayloadValidator(): PayloadValidator {
  compiled ??= createWebhookPayloadValidator();
  return compiled;
}

export function createWebhookPayloadValidator(
  specText: string = readFileSync(webhookSpecPath, "utf8"),
): PayloadValidator {
  const spec = parse(specText) as { components: { schemas: Record<string, unknown> } };
  // OpenAPI documents carry keywords (example, externalDocs) that JSON Schema does not define.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat("date-time", fullFormats["iso-date-time"]);
  ajv.addSchema({ $id: "xero-webhooks", components: spec.components });
  const validatePayload = ajv.compile({ $ref: "xero-webhooks#/components/schemas/WebhookEvent" });
  const validateCreditNotes = ajv.compile({ $ref: "xero-webhooks#/components/schemas/CreditNoteWebhookEvent" });
  const describe = (errors: typeof validatePayload.errors): string[] =>
    (errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? "is invalid"}`);

  return (payload) => {
    if (!validatePayload(payload)) return describe(validatePayload.errors);
    // The spec's CreditNoteWebhookEvent describes a payload of credit note events; check those events with it.
    const events = (payload as { events: { eventCategory?: unknown }[] }).events;
    const creditNotes = events.filter((event) => event.eventCategory === "CREDITNOTE");
    if (creditNotes.length > 0 && !validateCreditNotes({ ...(payload as object), events: creditNotes })) {
      return describe(validateCreditNotes.errors);
    }
    return [];
  };
}
