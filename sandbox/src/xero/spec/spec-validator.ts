// Checks request and response bodies against the schemas of the official Xero Accounting OpenAPI document, so the
// emulator can neither accept a body the SDK could not have produced nor answer with one Xero would never send.
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { loadAccountingSpec, type AccountingSpec, type OpenApiOperation } from "./load-spec";

export type ValidationOutcome = { ok: true } | { ok: false; errors: readonly string[] };

const documentId = "xero-accounting";
const errorSchemaRef = "#/components/schemas/Error";

export class SpecValidator {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly spec: AccountingSpec = loadAccountingSpec()) {
    // strict is off because the Xero document carries vendor keywords (x-is-msdate, …) and string defaults
    // ("false") that draft-07 strict mode rejects; they carry no validation meaning.
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: documentId, components: { schemas: spec.schemas } });
  }

  operation(operationId: string): OpenApiOperation {
    const operation = this.spec.operations.get(operationId);
    if (operation === undefined) throw new Error(`operation ${operationId} is not in the Xero Accounting spec`);
    return operation;
  }

  /** Validates a request body against the operation's requestBody schema (operations without one accept none). */
  validateRequest(operationId: string, body: unknown): ValidationOutcome {
    const ref = this.operation(operationId).requestSchemaRef;
    if (ref === null) return body === undefined ? { ok: true } : { ok: false, errors: ["the operation takes no body"] };
    if (body === undefined) return { ok: false, errors: ["a request body is required"] };
    return this.validate(ref, body);
  }

  /**
   * Checks the query string against the parameters the operation declares: their types (integer, number, boolean,
   * comma-separated arrays), enums and uuid formats, and that required ones are present. Parameters the spec does
   * not name are ignored, as Xero ignores them.
   */
  validateQuery(operationId: string, query: URLSearchParams): ValidationOutcome {
    const errors: string[] = [];
    for (const parameter of this.operation(operationId).queryParameters.values()) {
      const value = query.get(parameter.name);
      if (value === null) {
        if (parameter.required) errors.push(`query parameter ${parameter.name} is required`);
        continue;
      }
      const schema = parameter.schema;
      const values = schema["type"] === "array" ? value.split(",") : [value];
      const itemSchema = (schema["type"] === "array" ? schema["items"] : schema) as Record<string, unknown> | undefined;
      for (const item of values) {
        const problem = toParameterProblem(item, itemSchema ?? {});
        if (problem !== undefined) errors.push(`query parameter ${parameter.name} ${problem}`);
      }
    }
    return errors.length === 0 ? { ok: true } : { ok: false, errors };
  }

  /** Validates a response body against the schema the spec declares for that status. */
  validateResponse(operationId: string, status: number, body: unknown): ValidationOutcome {
    const responses = this.operation(operationId).responseSchemaRefs;
    const declared = Object.prototype.hasOwnProperty.call(responses, String(status));
    if (!declared && status < 300) return { ok: false, errors: [`the spec declares no ${status} response`] };
    if (status === 204 || (declared && responses[String(status)] === null && status < 300)) {
      return body === undefined ? { ok: true } : { ok: false, errors: [`a ${status} answer carries no body`] };
    }
    // Error answers the operation does not describe (or describes only in words) are Xero's Error object.
    const ref = responses[String(status)] ?? (status >= 400 ? errorSchemaRef : undefined);
    if (ref === undefined) return { ok: true };
    return this.validate(ref, body);
  }

  private validate(ref: string, body: unknown): ValidationOutcome {
    let validate = this.compiled.get(ref);
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: `${documentId}${ref}` });
      this.compiled.set(ref, validate);
    }
    if (validate(body)) return { ok: true };
    return { ok: false, errors: (validate.errors ?? []).map(toMessage) };
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toParameterProblem(value: string, schema: Record<string, unknown>): string | undefined {
  const type = schema["type"];
  if (type === "integer" && !/^-?\d+$/.test(value)) return `must be an integer (got "${value}")`;
  if (type === "number" && (value.trim() === "" || Number.isNaN(Number(value))))
    return `must be a number (got "${value}")`;
  if (type === "boolean" && value !== "true" && value !== "false") return `must be true or false (got "${value}")`;
  if (schema["format"] === "uuid" && !uuidPattern.test(value)) return `must be a uuid (got "${value}")`;
  if (Array.isArray(schema["enum"]) && !(schema["enum"] as unknown[]).includes(value))
    return `must be one of ${(schema["enum"] as unknown[]).join(", ")}`;
  return undefined;
}

function toMessage(error: ErrorObject): string {
  return `${error.instancePath || "/"} ${error.message ?? error.keyword}`;
}

let shared: SpecValidator | undefined;

/** One validator per process: compiling the schemas is the expensive part and they never change. */
export function sharedSpecValidator(): SpecValidator {
  shared ??= new SpecValidator();
  return shared;
}
