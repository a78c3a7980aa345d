// Webhooks: `serviceendpoint` (contract 8) and `sdkmessageprocessingstep` rows registered through the Web API make
// the emulator POST a RemoteExecutionContext after each matching Create or Update, shaped like
// ../../../../shared/dataverse/webhook-samples/contact-update-async.json.
// https://learn.microsoft.com/power-apps/developer/data-platform/use-webhooks
// https://learn.microsoft.com/power-apps/developer/data-platform/register-web-hook
import { randomUUID } from "node:crypto";
import type { AttributeMetadata } from "../../../customizations/src/metadata";
import type { ChangeEvent, OrgContext } from "./operations";
import type { TableIndex } from "./schema-index";
import type { Row, StoredValue } from "./store";
import { isLookupValue } from "./store";

/** serviceendpoint.contract: https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/serviceendpoint#contract-choicesoptions */
export const webhookContract = 8;
/** serviceendpoint.authtype */
export const authTypes = { webhookKey: 4, httpHeader: 5, httpQueryString: 6 } as const;
/** Dataverse gives a webhook 60 seconds and drops a context over 256 KB of its parts. */
export const webhookTimeoutMs = 60_000;
export const maxContextBytes = 256 * 1024;
const retryStatuses = new Set([502, 503, 504]);

const contracts = "http://schemas.microsoft.com/xrm/2011/Contracts";

export interface WebhookDelivery {
  url: string;
  stepId: string;
  message: string;
  entityName: string;
  recordId: string;
  attempts: number;
  /** Last HTTP status, or "timeout" / "network-error". */
  outcome: number | "timeout" | "network-error";
  sizeExceeded: boolean;
}

export interface WebhookOrg extends OrgContext {
  /** Value of x-ms-dynamics-organization: the org root without its scheme. */
  organizationHost: string;
}

interface Step {
  id: string;
  name: string;
  message: string;
  entity: string;
  filteringAttributes: string[];
  endpoint: Row;
  images: Row[];
}

const text = (value: StoredValue | undefined): string => (typeof value === "string" ? value : "");

const toDate = (ms: number, offset = ""): string => `/Date(${ms}${offset})/`;

/** One column as the Organization service's data contract writes it. */
function toContextValue(attribute: AttributeMetadata | undefined, value: StoredValue | undefined): unknown {
  if (value === undefined || value === null) return null;
  if (isLookupValue(value)) {
    return {
      __type: `EntityReference:${contracts}`,
      Id: value.id,
      KeyAttributes: [],
      LogicalName: value.table,
      Name: null,
      RowVersion: null,
    };
  }
  switch (attribute?.type) {
    case "Money":
      return { __type: `Money:${contracts}`, Value: value };
    case "Picklist":
    case "State":
    case "Status":
      return { __type: `OptionSetValue:${contracts}`, Value: value };
    case "DateTime":
      return typeof value === "string" ? toDate(Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value)) : value;
    default:
      return value;
  }
}

function toContextEntity(
  table: TableIndex,
  id: string,
  row: Row,
  attributes: string[],
  typed: boolean,
): Record<string, unknown> {
  const entity: Record<string, unknown> = typed ? { __type: `Entity:${contracts}` } : {};
  entity["Attributes"] = attributes.map((name) => ({
    key: name,
    value: toContextValue(table.attributes.get(name), row[name]),
  }));
  Object.assign(entity, {
    EntityState: null,
    FormattedValues: [],
    Id: id,
    KeyAttributes: [],
    LogicalName: table.logicalName,
    RelatedEntities: [],
    RowVersion: null,
  });
  return entity;
}

function findSteps(org: OrgContext, event: ChangeEvent): Step[] {
  const { store } = org;
  const steps: Step[] = [];
  for (const step of store.list("sdkmessageprocessingstep")) {
    if (step["statecode"] !== undefined && step["statecode"] !== 0) continue;
    if (step["stage"] !== undefined && step["stage"] !== null && step["stage"] !== 40) continue;
    const message = step["sdkmessageid"];
    const filter = step["sdkmessagefilterid"];
    const handler = step["eventhandler"];
    if (!isLookupValue(message) || !isLookupValue(handler) || handler.table !== "serviceendpoint") continue;
    const messageName = text(store.get("sdkmessage", message.id)?.["name"]);
    if (messageName !== event.message) continue;
    const entity = isLookupValue(filter)
      ? text(store.get("sdkmessagefilter", filter.id)?.["primaryobjecttypecode"])
      : "";
    if (entity !== event.table) continue;
    const endpoint = store.get("serviceendpoint", handler.id);
    if (endpoint === undefined || endpoint["contract"] !== webhookContract) continue;
    const filteringAttributes = text(step["filteringattributes"])
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name.length > 0);
    // Filtering attributes apply to Update only: https://learn.microsoft.com/power-apps/developer/data-platform/register-plug-in#set-filtering-attributes
    if (
      event.message === "Update" &&
      filteringAttributes.length > 0 &&
      !filteringAttributes.some((name) => event.attributes.includes(name))
    )
      continue;
    const stepId = text(step["sdkmessageprocessingstepid"]);
    const images = store.list("sdkmessageprocessingstepimage").filter((image) => {
      const owner = image["sdkmessageprocessingstepid"];
      return isLookupValue(owner) && owner.id === stepId;
    });
    steps.push({
      id: stepId,
      name: text(step["name"]),
      message: messageName,
      entity,
      filteringAttributes,
      endpoint,
      images,
    });
  }
  return steps;
}

const systemColumns = ["modifiedon", "modifiedby", "modifiedonbehalfby"];

function toImages(
  table: TableIndex,
  id: string,
  row: Row | undefined,
  images: Row[],
  kinds: number[],
): Array<{ key: string; value: unknown }> {
  if (row === undefined) return [];
  return images
    .filter((image) => kinds.includes(image["imagetype"] as number))
    .map((image) => {
      const listed = text(image["attributes"])
        .split(",")
        .map((name) => name.trim())
        .filter((name) => name.length > 0);
      const attributes = listed.length > 0 ? listed : Object.keys(row);
      return { key: text(image["entityalias"]) || "Image", value: toContextEntity(table, id, row, attributes, false) };
    });
}

/** The RemoteExecutionContext of one event for one step. */
export function toRemoteExecutionContext(
  org: OrgContext,
  event: ChangeEvent,
  step: Step,
  correlationId: string,
  operationId: string,
): Record<string, unknown> {
  const table = org.schema.table(event.table);
  const row = org.store.get(event.table, event.id) ?? event.before ?? {};
  // Asynchronous steps get only the changed columns plus system columns in Target.
  const targetAttributes =
    event.message === "Create"
      ? Object.keys(row)
      : [...new Set([...event.attributes, table.primaryId, ...systemColumns])];
  const target = toContextEntity(table, event.id, row, targetAttributes, true);
  const requestTarget = toContextEntity(
    table,
    event.id,
    row,
    event.message === "Create" ? event.attributes : [...new Set([...event.attributes, table.primaryId])],
    true,
  );
  const now = org.clock.now();
  const owningExtension = {
    Id: step.id,
    KeyAttributes: [],
    LogicalName: "sdkmessageprocessingstep",
    Name: step.name || null,
    RowVersion: null,
  };
  const outputParameters = event.message === "Create" ? [{ key: "id", value: event.id }] : [];
  const primaryName = table.primaryName;
  const common = {
    BusinessUnitId: org.businessUnitId,
    CorrelationId: correlationId,
    Depth: 1,
    InitiatingUserId: org.userId,
  };
  const parent = {
    ...common,
    InputParameters: [
      { key: "Target", value: requestTarget },
      { key: "SuppressDuplicateDetection", value: false },
    ],
    IsExecutingOffline: false,
    IsInTransaction: false,
    IsOfflinePlayback: false,
    IsolationMode: 1,
    MessageName: event.message,
    Mode: 1,
    OperationCreatedOn: toDate(now, "+0000"),
    OperationId: operationId,
    OrganizationId: org.organizationId,
    OrganizationName: org.name,
    OutputParameters: outputParameters,
    OwningExtension: owningExtension,
    ParentContext: null,
    PostEntityImages: [],
    PreEntityImages: [],
    PrimaryEntityId: event.id,
    PrimaryEntityName: event.table,
    RequestId: null,
    SecondaryEntityName: "none",
    SharedVariables: [
      {
        key: "ChangedEntityTypes",
        value: [
          { __type: "KeyValuePairOfstringstring:#System.Collections.Generic", key: event.table, value: event.message },
        ],
      },
    ],
    Stage: 30,
    UserId: org.userId,
  };
  const postImages = [
    ...(primaryName.length > 0 && row[primaryName] !== undefined
      ? [
          {
            key: "AsynchronousStepPrimaryName",
            value: toContextEntity(table, event.id, row, [primaryName, table.primaryId], false),
          },
        ]
      : []),
    ...toImages(table, event.id, row, step.images, [1, 2]),
  ];
  return {
    ...common,
    InputParameters: [{ key: "Target", value: target }],
    IsExecutingOffline: false,
    IsInTransaction: false,
    IsOfflinePlayback: false,
    IsolationMode: 1,
    MessageName: event.message,
    Mode: 1,
    OperationCreatedOn: toDate(now, "+0000"),
    OperationId: operationId,
    OrganizationId: org.organizationId,
    OrganizationName: org.name,
    OutputParameters: outputParameters,
    OwningExtension: owningExtension,
    ParentContext: parent,
    PostEntityImages: postImages,
    PreEntityImages: toImages(table, event.id, event.before, step.images, [0, 2]),
    PrimaryEntityId: event.id,
    PrimaryEntityName: event.table,
    RequestId: null,
    SecondaryEntityName: "none",
    SharedVariables: [],
    Stage: 40,
    UserId: org.userId,
  };
}

/** The data contract serializer escapes forward slashes ("\/Date(…)\/", "http:\/\/…"). */
export const toContractJson = (value: unknown): string => JSON.stringify(value).replace(/\//g, "\\/");

/** `<settings><setting name="k" value="v" /></settings>`, the authvalue of HttpHeader and HttpQueryString endpoints. */
export function parseSettings(authValue: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const pattern = /<setting\s+name="([^"]*)"\s+value="([^"]*)"\s*\/>/g;
  for (let match = pattern.exec(authValue); match !== null; match = pattern.exec(authValue)) {
    pairs.push([decodeXml(match[1] ?? ""), decodeXml(match[2] ?? "")]);
  }
  return pairs;
}

const decodeXml = (value: string): string =>
  value
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

export interface WebhookDispatcherOptions {
  timeoutMs?: number;
}

export class WebhookDispatcher {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly timeoutMs: number;
  /** Aborted by `close`, so stopping the emulator never waits on a receiver that hangs. */
  private readonly closing = new AbortController();

  constructor(options: WebhookDispatcherOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? webhookTimeoutMs;
  }

  dispatch(org: WebhookOrg, events: ChangeEvent[]): void {
    if (this.closing.signal.aborted) return;
    for (const event of events) {
      for (const step of findSteps(org, event)) {
        const body = this.buildBody(org, event, step);
        const work = this.deliver(org, event, step, body).finally(() => this.pending.delete(work));
        this.pending.add(work);
      }
    }
  }

  private buildBody(org: WebhookOrg, event: ChangeEvent, step: Step): { text: string; sizeExceeded: boolean } {
    const context = toRemoteExecutionContext(org, event, step, randomUUID(), randomUUID());
    const full = toContractJson(context);
    if (Buffer.byteLength(full) <= maxContextBytes) return { text: full, sizeExceeded: false };
    // Over 256 KB Dataverse removes ParentContext, InputParameters and the images and flags the request.
    return {
      text: toContractJson({
        ...context,
        ParentContext: null,
        InputParameters: [],
        PreEntityImages: [],
        PostEntityImages: [],
      }),
      sizeExceeded: true,
    };
  }

  private async deliver(
    org: WebhookOrg,
    event: ChangeEvent,
    step: Step,
    body: { text: string; sizeExceeded: boolean },
  ): Promise<void> {
    const endpoint = step.endpoint;
    const url = new URL(text(endpoint["url"]));
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      "x-request-id": randomUUID(),
      "x-ms-dynamics-organization": org.organizationHost,
      "x-ms-dynamics-entity-name": event.table,
      "x-ms-dynamics-request-name": event.message,
      "x-ms-correlation-request-id": randomUUID(),
    };
    if (body.sizeExceeded) headers["x-ms-dynamics-msg-size-exceeded"] = "true";
    const authValue = text(endpoint["authvalue"]);
    const authType = endpoint["authtype"];
    if (authType === authTypes.webhookKey) url.searchParams.set("code", authValue);
    if (authType === authTypes.httpHeader) for (const [name, value] of parseSettings(authValue)) headers[name] = value;
    if (authType === authTypes.httpQueryString)
      for (const [name, value] of parseSettings(authValue)) url.searchParams.set(name, value);
    const record: WebhookDelivery = {
      url: `${url.origin}${url.pathname}`,
      stepId: step.id,
      message: event.message,
      entityName: event.table,
      recordId: event.id,
      attempts: 0,
      outcome: "network-error",
      sizeExceeded: body.sizeExceeded,
    };
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      record.attempts = attempt;
      try {
        const response = await fetch(url, {
          method: "POST",
          headers,
          body: body.text,
          signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.closing.signal]),
        });
        await response.arrayBuffer();
        record.outcome = response.status;
        if (!retryStatuses.has(response.status)) break;
      } catch (thrown) {
        // fetch rejects with a DOMException named TimeoutError when AbortSignal.timeout fires.
        const name = typeof thrown === "object" && thrown !== null && "name" in thrown ? thrown.name : undefined;
        record.outcome = name === "TimeoutError" ? "timeout" : "network-error";
        break;
      }
    }
    this.deliveries.push(record);
  }

  /** Abandons the deliveries under way and starts no more. */
  async close(): Promise<void> {
    this.closing.abort();
    await this.idle();
  }

  /** Resolves when every delivery started so far has finished (tests await this). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
