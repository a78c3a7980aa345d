// The Dataverse emulator: an HTTP server on 127.0.0.1 hosting any number of organisations, each with its Web API
// at `<url>/<org>/api/data/v9.2/`, and an Entra ID stand-in token endpoint at `<url>/<tenant>/oauth2/v2.0/token`.
// What it copies and what it does not: README.md beside this file.
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { DataverseMetadata } from "../../../customizations/src/metadata";
import type { Clock } from "../clock";
import { systemClock } from "../clock";
import type { AppRegistration } from "./auth";
import { TokenAuthority } from "./auth";
import { executeBatch } from "./batch";
import { ensureDataverseError, methodNotAllowed } from "./errors";
import type { OrgContext, WriteSession } from "./operations";
import { newSession } from "./operations";
import type { SchemaIndex } from "./schema-index";
import { buildSchemaIndex } from "./schema-index";
import type { DemoSeed } from "./seed";
import { seedDemo } from "./seed";
import { defaultRequestsPer5Min, ServiceProtection } from "./service-protection";
import type { Row, StoredValue } from "./store";
import { OrgStore } from "./store";
import { createSystemRows, insertSystemRow } from "./system-rows";
import type { WebApiResponse } from "./web-api";
import { errorResponse, routeWebApi } from "./web-api";
import type { WebhookDelivery, WebhookOrg } from "./webhooks";
import { WebhookDispatcher } from "./webhooks";

export type { DemoSeed } from "./seed";
export type { Row, StoredValue, LookupValue } from "./store";
export type { WebhookDelivery } from "./webhooks";

export const generatedMetadataPath = join(__dirname, "generated", "metadata.json");

/** The schema `npm run generate` writes for the emulator. */
export function loadGeneratedMetadata(path: string = generatedMetadataPath): DataverseMetadata {
  if (!existsSync(path)) throw new Error(`No Dataverse metadata at ${path}: run \`npm run generate\` first.`);
  return JSON.parse(readFileSync(path, "utf8")) as DataverseMetadata;
}

export interface DataverseEmulatorOptions {
  /** 0 or omitted: a free port. */
  port?: number;
  metadata?: DataverseMetadata;
  clock?: Clock;
  serviceProtection?: { requestsPer5Min: number };
  /** How long a webhook receiver gets before the call is abandoned (Dataverse: 60 s). */
  webhookTimeoutMs?: number;
}

export interface CreateOrganisationOptions {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
}

export interface DataverseOrganisation {
  name: string;
  /** Org root: `<url>/<name>`. */
  url: string;
  /** `<org root>/api/data/v9.2/` */
  webApiUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  organizationId: string;
  userId: string;
  businessUnitId: string;
}

type OrgRef = string | { name: string };

export interface DataverseEmulator {
  url: string;
  clock: Clock;
  schema: SchemaIndex;
  createOrganisation(name: string, options?: CreateOrganisationOptions): DataverseOrganisation;
  organisation(org: OrgRef): DataverseOrganisation;
  issueAccessToken(org: OrgRef): string;
  seedDemo(org: OrgRef): DemoSeed;
  /** Direct access for tests: rows as stored (lookups as `{ id, table }`), bypassing the Web API and its rules. */
  store: {
    get(org: OrgRef, table: string, id: string): Row | undefined;
    list(org: OrgRef, table: string): Row[];
    insert(org: OrgRef, table: string, values: Record<string, StoredValue>): string;
  };
  /** Web API requests an organisation has received (a `$batch` counts once). */
  requestCount(org: OrgRef): number;
  readonly requests: Record<string, number>;
  webhooks: { deliveries: WebhookDelivery[]; idle(): Promise<void> };
  stop(): Promise<void>;
}

interface OrgState {
  info: DataverseOrganisation;
  context: OrgContext;
  webhookOrg: WebhookOrg;
  requests: number;
}

const orgNamePattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
const webApiPattern = /^\/([^/]+)\/api\/data\/v9\.[0-2]\/(.*)$/;
const tokenPattern = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(response: ServerResponse, answer: WebApiResponse): void {
  response.writeHead(answer.status, answer.headers);
  response.end(answer.body);
}

const flatHeaders = (request: IncomingMessage): Record<string, string | undefined> =>
  Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : value]),
  );

export async function startDataverseEmulator(options: DataverseEmulatorOptions = {}): Promise<DataverseEmulator> {
  const clock = options.clock ?? systemClock;
  const schema = buildSchemaIndex(options.metadata ?? loadGeneratedMetadata());
  const authority = new TokenAuthority(clock);
  const protection = new ServiceProtection(clock, options.serviceProtection?.requestsPer5Min ?? defaultRequestsPer5Min);
  const dispatcher = new WebhookDispatcher(
    options.webhookTimeoutMs === undefined ? {} : { timeoutMs: options.webhookTimeoutMs },
  );
  const orgs = new Map<string, OrgState>();
  let baseUrl = "";

  const registrations = (): AppRegistration[] =>
    [...orgs.values()].map(({ info }) => ({
      org: info.name,
      tenantId: info.tenantId,
      clientId: info.clientId,
      clientSecret: info.clientSecret,
      resource: info.url,
    }));

  const stateOf = (org: OrgRef): OrgState => {
    const name = typeof org === "string" ? org : org.name;
    const state = orgs.get(name);
    if (state === undefined) throw new Error(`No organisation named '${name}' in the Dataverse emulator.`);
    return state;
  };

  const commit = (state: OrgState) => (session: WriteSession) => dispatcher.dispatch(state.webhookOrg, session.events);

  async function serveOrg(state: OrgState, request: IncomingMessage, path: string): Promise<WebApiResponse> {
    const headers = flatHeaders(request);
    const bearer = /^Bearer\s+(.+)$/i.exec(headers["authorization"] ?? "")?.[1];
    // A request without a valid token for this org: 401 with an empty body, as Dataverse answers.
    // https://learn.microsoft.com/power-apps/developer/data-platform/authenticate-oauth
    if (!authority.validate(bearer, state.info.name)) {
      return {
        status: 401,
        headers: {
          "WWW-Authenticate": `Bearer authorization_uri=${baseUrl}/${state.info.tenantId}/oauth2/authorize, resource_id=${state.info.url}/`,
        },
      };
    }
    state.requests += 1;
    const body = await readBody(request);
    try {
      protection.admit(state.info.name);
    } catch (thrown) {
      return errorResponse(ensureDataverseError(thrown));
    }
    const url = new URL(request.url ?? "/", baseUrl);
    const method = (request.method ?? "GET").toUpperCase();
    if (path === "$batch") {
      if (method !== "POST") return errorResponse(methodNotAllowed(url.toString()));
      try {
        return executeBatch({ org: state.context, onCommit: commit(state) }, body, headers);
      } catch (thrown) {
        return errorResponse(ensureDataverseError(thrown));
      }
    }
    // Each request is atomic: a write that fails half way (a deep insert, a cascade) leaves nothing behind.
    const snapshot = method === "GET" ? undefined : state.context.store.snapshot();
    const session = newSession(state.context);
    try {
      const answer = routeWebApi({ method, url, headers, body }, { session, path: decodeURIComponent(path) });
      commit(state)(session);
      return answer;
    } catch (thrown) {
      if (snapshot !== undefined) state.context.store.restore(snapshot);
      return errorResponse(ensureDataverseError(thrown));
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", baseUrl);
    const token = tokenPattern.exec(url.pathname);
    if (token?.[1] !== undefined) {
      if (request.method !== "POST") {
        send(response, { status: 405, headers: { Allow: "POST" } });
        return;
      }
      const form = new URLSearchParams(await readBody(request));
      const answer = authority.exchange(token[1], form, registrations());
      send(response, {
        status: answer.status,
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "Cache-Control": "no-store, no-cache",
          Pragma: "no-cache",
        },
        body: JSON.stringify(answer.body),
      });
      return;
    }
    const webApi = webApiPattern.exec(url.pathname);
    const state = webApi?.[1] === undefined ? undefined : orgs.get(webApi[1]);
    if (webApi === null || state === undefined) {
      send(response, { status: 404, headers: { "Content-Type": "text/plain" }, body: "Not found" });
      return;
    }
    send(response, await serveOrg(state, request, webApi[2] ?? ""));
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((thrown: unknown) => {
      if (!response.headersSent) send(response, errorResponse(ensureDataverseError(thrown)));
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  const emulator: DataverseEmulator = {
    url: baseUrl,
    clock,
    schema,
    createOrganisation(name, organisationOptions = {}) {
      if (!orgNamePattern.test(name))
        throw new Error(`Organisation names are lower-case letters, digits and hyphens: '${name}'.`);
      if (orgs.has(name)) throw new Error(`The Dataverse emulator already has an organisation named '${name}'.`);
      const orgUrl = `${baseUrl}/${name}`;
      const info: DataverseOrganisation = {
        name,
        url: orgUrl,
        webApiUrl: `${orgUrl}/api/data/v9.2/`,
        tenantId: organisationOptions.tenantId ?? randomUUID(),
        clientId: organisationOptions.clientId ?? randomUUID(),
        clientSecret: organisationOptions.clientSecret ?? randomBytes(24).toString("base64url"),
        organizationId: randomUUID(),
        userId: randomUUID(),
        businessUnitId: randomUUID(),
      };
      const context: OrgContext = {
        name,
        organizationId: info.organizationId,
        businessUnitId: info.businessUnitId,
        userId: info.userId,
        store: new OrgStore(),
        schema,
        clock,
        webApiUrl: info.webApiUrl,
      };
      createSystemRows(context);
      orgs.set(name, {
        info,
        context,
        webhookOrg: { ...context, organizationHost: `127.0.0.1:${port}/${name}` },
        requests: 0,
      });
      return info;
    },
    organisation: (org) => stateOf(org).info,
    issueAccessToken(org) {
      const { info } = stateOf(org);
      return authority.issue({
        org: info.name,
        tenantId: info.tenantId,
        clientId: info.clientId,
        clientSecret: info.clientSecret,
        resource: info.url,
      }).token;
    },
    seedDemo(org) {
      const state = stateOf(org);
      return seedDemo(state.context, commit(state));
    },
    store: {
      get: (org, table, id) => stateOf(org).context.store.get(table, id),
      list: (org, table) => stateOf(org).context.store.list(table),
      insert(org, table, values) {
        const { context } = stateOf(org);
        const primaryId = context.schema.table(table).primaryId;
        return insertSystemRow(context, table, { [primaryId]: randomUUID(), ...values });
      },
    },
    requestCount: (org) => stateOf(org).requests,
    get requests() {
      return Object.fromEntries([...orgs].map(([name, state]) => [name, state.requests]));
    },
    webhooks: { deliveries: dispatcher.deliveries, idle: () => dispatcher.idle() },
    async stop() {
      await dispatcher.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return emulator;
}
