// The body Dataverse posts to a webhook: a serialized RemoteExecutionContext (data contract JSON). Parsed with zod,
// tolerant of keys we do not know (newer payloads carry more) and of `__type` strings with or without escaped slashes;
// `__type` is matched by its prefix (`EntityReference:`, `OptionSetValue:`, `Money:`, `Entity:`), never in full.
// Shape: ../../../../shared/dataverse/webhook-samples/contact-update-async.json
// https://learn.microsoft.com/power-apps/developer/data-platform/use-webhooks#request-body
// https://learn.microsoft.com/dotnet/api/microsoft.xrm.sdk.remoteexecutioncontext
import { z } from "zod";
import { SyncError } from "../core/errors";

/** A column value as the service uses it: lookups and choices unwrapped, `/Date(ms)/` as an ISO instant. */
export type ContextValue =
  string | number | boolean | null | { logicalName: string; id: string } | ContextValue[] | { [key: string]: unknown };

export interface ContextEntity {
  logicalName: string;
  id: string;
  attributes: Record<string, ContextValue>;
}

/** What the service reads from a context (everything else is ignored). */
export interface RemoteExecutionContext {
  messageName: string;
  primaryEntityName: string;
  primaryEntityId: string;
  organizationId: string;
  organizationName: string | undefined;
  correlationId: string | undefined;
  operationId: string | undefined;
  stage: number | undefined;
  mode: number | undefined;
  depth: number | undefined;
  /** InputParameters["Target"] when it is an entity (Create, Update). */
  target: ContextEntity | undefined;
  /** PostEntityImages, by alias (AsynchronousStepPrimaryName and registered images). */
  postImages: Record<string, ContextEntity>;
  preImages: Record<string, ContextEntity>;
}

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "not a GUID");

const KeyValue = z.looseObject({ key: z.string(), value: z.unknown() });

const EntityWire = z.looseObject({
  __type: z.string().optional(),
  Attributes: z.array(KeyValue).default([]),
  Id: guid.optional(),
  LogicalName: z.string().min(1),
});

const ContextWire = z.looseObject({
  MessageName: z.string().min(1),
  PrimaryEntityName: z.string().min(1),
  PrimaryEntityId: guid,
  OrganizationId: guid,
  OrganizationName: z.string().nullish(),
  CorrelationId: z.string().nullish(),
  OperationId: z.string().nullish(),
  Stage: z.number().int().nullish(),
  Mode: z.number().int().nullish(),
  Depth: z.number().int().nullish(),
  InputParameters: z.array(KeyValue).nullish(),
  PostEntityImages: z.array(KeyValue).nullish(),
  PreEntityImages: z.array(KeyValue).nullish(),
});

/** `__type` as written, with escaped slashes undone (`Money:http:\/\/…` and `Money:http://…` alike). */
const typeOf = (value: unknown): string | undefined => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const type = (value as Record<string, unknown>)["__type"];
  return typeof type === "string" ? type.replace(/\\\//g, "/") : undefined;
};

const datePattern = /^\\?\/Date\((-?\d+)([+-]\d{4})?\)\\?\/$/;

/** One attribute value of the data contract to the service's plain form. */
export function fromContextValue(value: unknown): ContextValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") {
    const date = datePattern.exec(value);
    return date === null ? value : new Date(Number(date[1])).toISOString();
  }
  if (typeof value === "number" || typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.map(fromContextValue);
  const type = typeOf(value) ?? "";
  const record = value as Record<string, unknown>;
  if (type.startsWith("EntityReference:")) {
    const id = record["Id"];
    const logicalName = record["LogicalName"];
    if (typeof id === "string" && typeof logicalName === "string") return { logicalName, id: id.toLowerCase() };
  }
  if (type.startsWith("OptionSetValue:") || type.startsWith("Money:")) {
    const inner = record["Value"];
    if (typeof inner === "number") return inner;
  }
  if (type.startsWith("OptionSetValueCollection:") && Array.isArray(record["Value"]))
    return (record["Value"] as unknown[]).map(fromContextValue);
  return record;
}

function toEntity(value: unknown): ContextEntity | undefined {
  const parsed = EntityWire.safeParse(value);
  if (!parsed.success) return undefined;
  const type = typeOf(value);
  // An unmarked entity (images are written without `__type`) is fine; another type here is not an entity.
  if (type !== undefined && !type.startsWith("Entity:")) return undefined;
  const attributes: Record<string, ContextValue> = {};
  for (const { key, value: attribute } of parsed.data.Attributes) attributes[key] = fromContextValue(attribute);
  return { logicalName: parsed.data.LogicalName, id: (parsed.data.Id ?? "").toLowerCase(), attributes };
}

function toImages(list: ReadonlyArray<z.infer<typeof KeyValue>> | null | undefined): Record<string, ContextEntity> {
  const images: Record<string, ContextEntity> = {};
  for (const { key, value } of list ?? []) {
    const entity = toEntity(value);
    if (entity !== undefined) images[key] = entity;
  }
  return images;
}

const malformed = (reason: string): SyncError =>
  new SyncError(`not a RemoteExecutionContext: ${reason}`, {
    kind: "validation",
    origin: "system",
    details: { source: "dataverse", type: "MalformedWebhook" },
  });

/** Parses a webhook body; a `validation` SyncError when it is not a context. */
export function parseRemoteExecutionContext(body: string): RemoteExecutionContext {
  let json: unknown;
  try {
    json = JSON.parse(body);
    // Some relays post the context as a JSON string holding the JSON.
    if (typeof json === "string") json = JSON.parse(json);
  } catch {
    throw malformed("the body is not JSON");
  }
  const parsed = ContextWire.safeParse(json);
  if (!parsed.success) {
    throw malformed(
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; "),
    );
  }
  const wire = parsed.data;
  const targetValue = (wire.InputParameters ?? []).find((parameter) => parameter.key === "Target")?.value;
  return {
    messageName: wire.MessageName,
    primaryEntityName: wire.PrimaryEntityName,
    primaryEntityId: wire.PrimaryEntityId.toLowerCase(),
    organizationId: wire.OrganizationId.toLowerCase(),
    organizationName: wire.OrganizationName ?? undefined,
    correlationId: wire.CorrelationId ?? undefined,
    operationId: wire.OperationId ?? undefined,
    stage: wire.Stage ?? undefined,
    mode: wire.Mode ?? undefined,
    depth: wire.Depth ?? undefined,
    target: targetValue === undefined ? undefined : toEntity(targetValue),
    postImages: toImages(wire.PostEntityImages),
    preImages: toImages(wire.PreEntityImages),
  };
}

/** The row's columns as far as the context tells them: the Target, overlaid by every post image (the newest). */
export function knownColumns(context: RemoteExecutionContext): Record<string, ContextValue> {
  const columns: Record<string, ContextValue> = { ...(context.target?.attributes ?? {}) };
  for (const image of Object.values(context.postImages)) Object.assign(columns, image.attributes);
  return columns;
}
