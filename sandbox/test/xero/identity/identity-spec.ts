import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { fullFormats } from "ajv-formats/dist/formats";
import { parse } from "yaml";

// Validates /connections answers against the vendored xero-identity.yaml. Xero's own example writes connection dates
// without a zone ("2019-12-07T18:46:19.5165400"), which RFC 3339 date-time rejects, so date-time here allows a
// missing offset (ajv-formats' iso-date-time) — the only relaxation.

const specPath = path.join(__dirname, "../../../vendor/xero/xero-identity.yaml");

export function connectionsValidator(): (body: unknown) => string[] {
  const spec = parse(readFileSync(specPath, "utf8")) as { components: { schemas: Record<string, unknown> } };
  // OpenAPI schemas carry keywords (example, externalDocs, x-*) that JSON Schema does not define.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat("date-time", fullFormats["iso-date-time"]);
  ajv.addSchema({ $id: "xero-identity", components: spec.components });
  const validate = ajv.compile({
    type: "array",
    items: { allOf: [{ $ref: "xero-identity#/components/schemas/Connection" }, { type: "object" }] },
  });
  return (body) =>
    validate(body) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ""}`);
}
