// Loads the vendored Xero Accounting OpenAPI document and turns its OpenAPI 3.0 schema dialect into plain JSON Schema
// that ajv understands. The document is read once per process and shared by every emulator in it.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";

export const accountingSpecPath = join(__dirname, "..", "..", "..", "vendor", "xero", "xero_accounting.yaml");

export interface OpenApiOperation {
  operationId: string;
  method: string;
  /** Path template as the spec writes it, e.g. `/Invoices/{InvoiceID}`. */
  path: string;
  /** `$ref` of the JSON request body schema, or null when the operation takes none. */
  requestSchemaRef: string | null;
  /** Status code → `$ref` of the JSON response body schema, or null when the spec gives that status no JSON body. */
  responseSchemaRefs: Record<string, string | null>;
  /** OAuth2 scopes of which the token must hold at least one. */
  scopes: readonly string[];
  /** Query parameters the operation declares, with their (converted) schemas. */
  queryParameters: ReadonlyMap<string, QueryParameter>;
}

export interface QueryParameter {
  name: string;
  required: boolean;
  schema: Record<string, unknown>;
}

export interface AccountingSpec {
  version: string;
  operations: ReadonlyMap<string, OpenApiOperation>;
  /** `components.schemas`, converted to JSON Schema. */
  schemas: Record<string, unknown>;
}

let cached: AccountingSpec | undefined;

/** Where parsed specs are cached as JSON, keyed by the SHA-256 of the YAML bytes (parsing 900 KB of YAML is slow). */
export const specCacheDir = join(tmpdir(), "xero-emulator-spec-cache");

interface CachedSpec {
  version: string;
  operations: OpenApiOperation[];
  schemas: Record<string, unknown>;
}

function fromCache(cache: CachedSpec): AccountingSpec {
  return {
    version: cache.version,
    operations: new Map(
      cache.operations.map((operation) => [
        operation.operationId,
        {
          ...operation,
          queryParameters: new Map(
            Object.entries(operation.queryParameters as unknown as Record<string, QueryParameter>),
          ),
        },
      ]),
    ),
    schemas: cache.schemas,
  };
}

function toCache(spec: AccountingSpec): CachedSpec {
  return {
    version: spec.version,
    operations: [...spec.operations.values()].map((operation) => ({
      ...operation,
      queryParameters: Object.fromEntries(operation.queryParameters) as unknown as Map<string, QueryParameter>,
    })),
    schemas: spec.schemas,
  };
}

/** Written to a temporary name and renamed, so a parallel reader never sees half a file; a cache that cannot be written is only slower. */
function writeCache(file: string, cache: CachedSpec): void {
  try {
    mkdirSync(specCacheDir, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(cache));
    renameSync(partial, file);
  } catch {
    // The next process parses the YAML again.
  }
}

export function loadAccountingSpec(path: string = accountingSpecPath): AccountingSpec {
  if (cached !== undefined && path === accountingSpecPath) return cached;
  const text = readFileSync(path);
  const cacheFile = join(specCacheDir, `${createHash("sha256").update(text).digest("hex")}.json`);
  let spec: AccountingSpec | undefined;
  try {
    spec = fromCache(JSON.parse(readFileSync(cacheFile, "utf8")) as CachedSpec);
  } catch {
    const document = parse(text.toString("utf8")) as OpenApiDocument;
    spec = {
      version: document.info.version,
      operations: toOperations(document),
      schemas: toJsonSchema(document.components.schemas) as Record<string, unknown>,
    };
    writeCache(cacheFile, toCache(spec));
  }
  if (path === accountingSpecPath) cached = spec;
  return spec;
}

interface RawParameter {
  $ref?: string;
  name?: string;
  in?: string;
  required?: boolean;
  schema?: Record<string, unknown>;
}

interface OpenApiDocument {
  info: { version: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown>; parameters: Record<string, RawParameter> };
}

interface RawOperation {
  operationId?: string;
  parameters?: RawParameter[];
  security?: Array<Record<string, string[]>>;
  requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
  responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

const httpMethods = new Set(["get", "put", "post", "delete", "patch"]);

function toOperations(document: OpenApiDocument): Map<string, OpenApiOperation> {
  const operations = new Map<string, OpenApiOperation>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!httpMethods.has(method)) continue;
      const operation = raw as RawOperation;
      if (operation.operationId === undefined) continue;
      const responseSchemaRefs: Record<string, string | null> = {};
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        responseSchemaRefs[status] = response.content?.["application/json"]?.schema?.$ref ?? null;
      }
      operations.set(operation.operationId, {
        operationId: operation.operationId,
        method: method.toUpperCase(),
        path,
        requestSchemaRef: operation.requestBody?.content?.["application/json"]?.schema?.$ref ?? null,
        responseSchemaRefs,
        scopes: (operation.security ?? []).flatMap((requirement) => requirement["OAuth2"] ?? []),
        queryParameters: toQueryParameters(document, operation.parameters ?? []),
      });
    }
  }
  return operations;
}

function toQueryParameters(document: OpenApiDocument, raw: readonly RawParameter[]): Map<string, QueryParameter> {
  const out = new Map<string, QueryParameter>();
  for (const entry of raw) {
    const parameter =
      entry.$ref === undefined ? entry : document.components.parameters[entry.$ref.split("/").pop() ?? ""];
    if (parameter?.in !== "query" || parameter.name === undefined) continue;
    out.set(parameter.name, {
      name: parameter.name,
      required: parameter.required === true,
      schema: toJsonSchema(parameter.schema ?? {}) as Record<string, unknown>,
    });
  }
  return out;
}

/**
 * OpenAPI 3.0 schema objects are nearly JSON Schema draft 4/7; the differences that matter to ajv:
 * `nullable: true` (a type that also admits null) and `discriminator` (an annotation ajv would want in its own form).
 * Vendor extensions (`x-…`) and `example` are left for ajv to ignore (strict mode is off for them).
 */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== "object") return node;
  const source = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === "discriminator" || key === "nullable" || key === "example" || key.startsWith("x-")) continue;
    if (key === "properties" && value !== null && typeof value === "object") {
      // Keys of `properties` are field names, never keywords: convert their schemas, keep every name.
      out[key] = Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, toJsonSchema(schema)]));
      continue;
    }
    out[key] = key === "enum" || key === "required" || key === "default" ? value : toJsonSchema(value);
  }
  if (source["nullable"] === true) {
    if (typeof out["type"] === "string") out["type"] = [out["type"], "null"];
    if (Array.isArray(out["enum"])) out["enum"] = [...(out["enum"] as unknown[]), null];
  }
  return out;
}
