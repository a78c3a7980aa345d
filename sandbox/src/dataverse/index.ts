// The Dataverse emulator: an HTTP server on 127.0.0.1 hosting any number of organisations, each with its Web API
// at `<url>/<org>/api/data/v9.2/`, and an Entra ID stand-in: the token endpoint `<url>/<tenant>/oauth2/v2.0/token`
// the admin consent endpoint `<url>/<tenant>/v2.0/adminconsent` for multi-tenant apps, and OpenID Connect sign-in of
// the tenants' users (`<url>/<tenant>/oauth2/v2.0/authorize`, the code grant, `<url>/<tenant>/discovery/v2.0/keys`).
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
import { rememberIssuedSecret } from "../issued-secrets";
import type { ConsentDirectory } from "./admin-consent";
import { serveAdminConsent } from "./admin-consent";
import type { AppRegistration } from "./auth";
import { TokenAuthority, unknownTenantDescription } from "./auth";
import { executeBatch } from "./batch";
import { ensureDataverseError, methodNotAllowed, notAMember } from "./errors";
import type { OrgContext, WriteSession } from "./operations";
import { newSession } from "./operations";
import type { SchemaIndex } from "./schema-index";
import { buildSchemaIndex } from "./schema-index";
import type { DemoSeed } from "./seed";
import { seedDemo } from "./seed";
import type { Caller } from "./security";
import { grantRole } from "./security";
import type { SignInDirectory, TenantUser } from "./sign-in";
import { SignInAuthority } from "./sign-in";
import { defaultRequestsPer5Min, ServiceProtection } from "./service-protection";
import { createSolutionRows, withoutSolution, withPlatformTables } from "./solutions";
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
  /**
   * The installed Xero Connector solution's version (default: the version the generator wrote into the metadata);
   * null: the solution is not installed, so its tables and columns are absent.
   */
  solutionVersion?: string | null;
}

/** A multi-tenant app registration (in the ISV's own tenant) that customer tenants consent to. */
export interface MultiTenantApp {
  clientId: string;
  clientSecret: string;
  displayName: string;
  homeTenantId: string;
  redirectUris: string[];
}

export interface RegisterMultiTenantAppOptions {
  displayName: string;
  redirectUris: string[];
  clientId?: string;
  clientSecret?: string;
}

/** The security role every organisation's own application user holds. */
export const systemAdministratorRole = "System Administrator";

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
  /** The person every org is created with: a user of the org holding System Administrator, who can sign in. */
  administrator: OrgUser;
}

export type OrgRef = string | { name: string };

/** A person who signs in interactively: an Entra user of the org's tenant and a Dataverse user of the org. */
export interface OrgUser {
  systemUserId: string;
  objectId: string;
  name: string;
  email: string;
}

export interface AddUserOptions {
  name: string;
  email?: string;
  /** Security role names (default: none). */
  roles?: string[];
}

export interface DataverseEmulator {
  url: string;
  clock: Clock;
  schema: SchemaIndex;
  createOrganisation(name: string, options?: CreateOrganisationOptions): DataverseOrganisation;
  organisation(org: OrgRef): DataverseOrganisation;
  issueAccessToken(org: OrgRef): string;
  /** Registers a multi-tenant app; customer tenants grant it through `<url>/<tenant>/v2.0/adminconsent`. */
  registerMultiTenantApp(options: RegisterMultiTenantAppOptions): MultiTenantApp;
  /** Tenants that have granted admin consent to the app (i.e. hold its service principal). */
  consentedTenants(clientId: string): string[];
  /**
   * What a customer admin does in the Power Platform admin center: an application user for the app (roles default
   * to none). Returns its systemuserid.
   */
  addApplicationUser(org: OrgRef, options: { clientId: string; roles?: string[] }): string;
  assignSecurityRole(org: OrgRef, clientId: string, role: string): void;
  /** A person of the org's tenant who is a user of the org (signs in at `<url>/<tenant>/oauth2/v2.0/authorize`). */
  addUser(org: OrgRef, options: AddUserOptions): { systemUserId: string; objectId: string };
  /** A person of the tenant who is not a user of any organisation (Dataverse refuses them: 0x80072560). */
  addTenantUser(tenantId: string, options: { name: string; email?: string }): { objectId: string };
  /** The key ID tokens are signed with (kid); `<url>/<tenant>/discovery/v2.0/keys` serves it. */
  readonly signingKeyId: string;
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

interface ApplicationUser {
  systemUserId: string;
  objectId: string;
  roles: string[];
}

interface OrgState {
  info: DataverseOrganisation;
  context: OrgContext;
  webhookOrg: WebhookOrg;
  requests: number;
  /** Client id → the application user that client's tokens act as in this organisation. */
  applicationUsers: Map<string, ApplicationUser>;
  /** Entra object id → the interactive user a delegated token acts as in this organisation. */
  users: Map<string, { systemUserId: string; roles: string[] }>;
}

const orgNamePattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
const webApiPattern = /^\/([^/]+)\/api\/data\/v9\.[0-2]\/(.*)$/;
const tokenPattern = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;
const adminConsentPattern = /^\/([^/]+)\/v2\.0\/adminconsent$/;
const authorizePattern = /^\/([^/]+)\/oauth2\/v2\.0\/authorize$/;
const keysPattern = /^\/([^/]+)\/discovery\/v2\.0\/keys$/;

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
  const schema = buildSchemaIndex(withPlatformTables(options.metadata ?? loadGeneratedMetadata()));
  let schemaWithoutSolution: SchemaIndex | undefined;
  const authority = new TokenAuthority(clock);
  const protection = new ServiceProtection(clock, options.serviceProtection?.requestsPer5Min ?? defaultRequestsPer5Min);
  const dispatcher = new WebhookDispatcher(
    options.webhookTimeoutMs === undefined ? {} : { timeoutMs: options.webhookTimeoutMs },
  );
  const orgs = new Map<string, OrgState>();
  const multiTenantApps = new Map<string, MultiTenantApp>();
  /** Client id → tenants holding the app's service principal. */
  const servicePrincipals = new Map<string, Set<string>>();
  let baseUrl = "";
  const signIn = new SignInAuthority(clock, () => baseUrl);
  /** Tenant id → its Entra users (the people who can sign in there). */
  const tenantUsers = new Map<string, TenantUser[]>();

  /**
   * Who may get a token for which org: each org's own single-tenant registration, and each consented multi-tenant
   * app once per org of every tenant holding its service principal.
   * https://learn.microsoft.com/power-apps/developer/data-platform/use-multi-tenant-server-server-authentication
   */
  const registrations = (): AppRegistration[] => {
    const own = [...orgs.values()].map(({ info }) => ({
      org: info.name,
      tenantId: info.tenantId,
      clientId: info.clientId,
      clientSecret: info.clientSecret,
      resource: info.url,
    }));
    const consented = [...servicePrincipals].flatMap(([clientId, tenants]) => {
      const app = multiTenantApps.get(clientId);
      if (app === undefined) return [];
      return [...orgs.values()]
        .filter(({ info }) => tenants.has(info.tenantId))
        .map(({ info }) => ({
          org: info.name,
          tenantId: info.tenantId,
          clientId,
          clientSecret: app.clientSecret,
          resource: info.url,
        }));
    });
    return [...own, ...consented];
  };

  const consentDirectory: ConsentDirectory = {
    tenants() {
      const byTenant = new Map<string, string[]>();
      for (const { info } of orgs.values())
        byTenant.set(info.tenantId, [...(byTenant.get(info.tenantId) ?? []), info.name]);
      return [...byTenant].map(([tenantId, orgNames]) => ({ tenantId, orgNames }));
    },
    app(clientId) {
      const app = multiTenantApps.get(clientId);
      if (app !== undefined) return app;
      // An org's own registration is single-tenant with no redirect URI: Entra knows it but can redirect nowhere.
      const own = [...orgs.values()].find(({ info }) => info.clientId === clientId);
      return own === undefined ? undefined : { displayName: own.info.name, redirectUris: [] };
    },
    grant(tenantId, clientId) {
      const tenants = servicePrincipals.get(clientId) ?? new Set<string>();
      tenants.add(tenantId);
      servicePrincipals.set(clientId, tenants);
    },
  };

  const signInDirectory: SignInDirectory = {
    hasTenant: (tenantId) => [...orgs.values()].some(({ info }) => info.tenantId === tenantId),
    users: (tenantId) => [...(tenantUsers.get(tenantId) ?? [])],
    app(clientId) {
      const app = multiTenantApps.get(clientId);
      if (app !== undefined) return app;
      const own = [...orgs.values()].find(({ info }) => info.clientId === clientId);
      return own === undefined ? undefined : { displayName: own.info.name, redirectUris: [] };
    },
    orgFor: (tenantId, resource) =>
      [...orgs.values()].find(({ info }) => info.tenantId === tenantId && info.url === resource)?.info.name,
    issueDelegated(grant) {
      const { info } = stateOf(grant.org);
      return authority.issueDelegated({ ...grant, resource: info.url });
    },
  };

  const addTenantUser = (tenantId: string, person: { name: string; email?: string }): TenantUser => {
    const objectId = randomUUID();
    const user: TenantUser = {
      objectId,
      name: person.name,
      email:
        person.email ?? `${person.name.toLowerCase().replace(/[^a-z0-9]+/g, ".")}@${tenantId.slice(0, 8)}.example.com`,
    };
    tenantUsers.set(tenantId, [...(tenantUsers.get(tenantId) ?? []), user]);
    return user;
  };

  /** A Dataverse user for a tenant user: the `systemuser` row (with its Entra object id) and its roles. */
  const addOrgUser = (state: OrgState, person: TenantUser, roles: readonly string[]): OrgUser => {
    const [first = person.name, ...rest] = person.name.split(" ");
    const systemUserId = insertSystemRow(state.context, "systemuser", {
      systemuserid: randomUUID(),
      fullname: person.name,
      firstname: rest.length === 0 ? null : first,
      lastname: rest.length === 0 ? first : rest.join(" "),
      domainname: person.email,
      internalemailaddress: person.email,
      azureactivedirectoryobjectid: person.objectId,
      isdisabled: false,
      businessunitid: { id: state.info.businessUnitId, table: "businessunit" },
    });
    state.users.set(person.objectId, { systemUserId, roles: [...roles] });
    for (const role of roles) grantRole(state.context, systemUserId, role);
    return { systemUserId, objectId: person.objectId, name: person.name, email: person.email };
  };

  const isClientIdTaken = (clientId: string): boolean =>
    multiTenantApps.has(clientId) || [...orgs.values()].some(({ info }) => info.clientId === clientId);

  const displayNameOf = (clientId: string): string => multiTenantApps.get(clientId)?.displayName ?? clientId;

  const stateOf = (org: OrgRef): OrgState => {
    const name = typeof org === "string" ? org : org.name;
    const state = orgs.get(name);
    if (state === undefined) throw new Error(`No organisation named '${name}' in the Dataverse emulator.`);
    return state;
  };

  const commit = (state: OrgState) => (session: WriteSession) => dispatcher.dispatch(state.webhookOrg, session.events);

  /**
   * Who a valid token acts as: a delegated token its user, any other the application user of its app. Neither being a
   * user of this organisation: not a member (403 0x80072560).
   * https://learn.microsoft.com/power-platform/admin/manage-application-users
   */
  function callerOf(state: OrgState, claims: { appId: string; userObjectId?: string }): Caller | undefined {
    if (claims.userObjectId !== undefined) {
      const user = state.users.get(claims.userObjectId);
      if (user === undefined) return undefined;
      return {
        systemUserId: user.systemUserId,
        businessUnitId: state.info.businessUnitId,
        objectId: claims.userObjectId,
        roles: [...user.roles],
      };
    }
    const applicationUser = state.applicationUsers.get(claims.appId);
    if (applicationUser === undefined) return undefined;
    return {
      systemUserId: applicationUser.systemUserId,
      businessUnitId: state.info.businessUnitId,
      objectId: applicationUser.objectId,
      roles: [...applicationUser.roles],
    };
  }

  async function serveOrg(state: OrgState, request: IncomingMessage, path: string): Promise<WebApiResponse> {
    const headers = flatHeaders(request);
    const bearer = /^Bearer\s+(.+)$/i.exec(headers["authorization"] ?? "")?.[1];
    const claims = authority.claimsFor(bearer, state.info.name);
    // A request without a valid token for this org: 401 with an empty body, as Dataverse answers.
    // https://learn.microsoft.com/power-apps/developer/data-platform/authenticate-oauth
    if (claims === undefined) {
      return {
        status: 401,
        headers: {
          "WWW-Authenticate": `Bearer authorization_uri=${baseUrl}/${state.info.tenantId}/oauth2/authorize, resource_id=${state.info.url}/`,
        },
      };
    }
    const caller = callerOf(state, claims);
    if (caller === undefined) return errorResponse(notAMember());
    // The request runs as its user: WhoAmI, createdby / modifiedby / ownerid and privilege checks.
    const context: OrgContext = { ...state.context, userId: caller.systemUserId, caller };
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
        return executeBatch({ org: context, onCommit: commit(state) }, body, headers);
      } catch (thrown) {
        return errorResponse(ensureDataverseError(thrown));
      }
    }
    // Each request is atomic: a write that fails half way (a deep insert, a cascade) leaves nothing behind.
    const snapshot = method === "GET" ? undefined : state.context.store.snapshot();
    const session = newSession(context);
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
      const answer =
        form.get("grant_type") === "authorization_code"
          ? signIn.redeem(decodeURIComponent(token[1]), form, signInDirectory, (...error) =>
              authority.tokenError(...error),
            )
          : authority.exchange(token[1], form, registrations());
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
    const consent = adminConsentPattern.exec(url.pathname);
    if (consent?.[1] !== undefined) {
      const method = (request.method ?? "GET").toUpperCase();
      const params = method === "POST" ? new URLSearchParams(await readBody(request)) : url.searchParams;
      send(response, serveAdminConsent(method, decodeURIComponent(consent[1]), params, consentDirectory, clock));
      return;
    }
    const authorize = authorizePattern.exec(url.pathname);
    if (authorize?.[1] !== undefined) {
      const method = (request.method ?? "GET").toUpperCase();
      const params = method === "POST" ? new URLSearchParams(await readBody(request)) : url.searchParams;
      send(response, signIn.serveAuthorize(method, decodeURIComponent(authorize[1]), params, signInDirectory));
      return;
    }
    const keys = keysPattern.exec(url.pathname);
    if (keys?.[1] !== undefined) {
      const tenantId = decodeURIComponent(keys[1]);
      send(
        response,
        signInDirectory.hasTenant(tenantId)
          ? {
              status: 200,
              headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "max-age=86400" },
              body: JSON.stringify(signIn.jwks(tenantId)),
            }
          : {
              status: 400,
              headers: { "Content-Type": "application/json; charset=utf-8" },
              body: JSON.stringify(
                authority.tokenError(400, "invalid_tenant", 90002, unknownTenantDescription(tenantId)).body,
              ),
            },
      );
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
      if (organisationOptions.clientId !== undefined && isClientIdTaken(organisationOptions.clientId))
        throw new Error(`The Dataverse emulator already has an app with client id '${organisationOptions.clientId}'.`);
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
        // Filled in below, once the org's rows exist.
        administrator: { systemUserId: "", objectId: "", name: "", email: "" },
      };
      rememberIssuedSecret(info.clientSecret);
      const solutionVersion =
        organisationOptions.solutionVersion === undefined
          ? schema.metadata.version
          : organisationOptions.solutionVersion;
      const context: OrgContext = {
        name,
        organizationId: info.organizationId,
        businessUnitId: info.businessUnitId,
        userId: info.userId,
        store: new OrgStore(),
        schema:
          solutionVersion === null
            ? (schemaWithoutSolution ??= buildSchemaIndex(withoutSolution(schema.metadata)))
            : schema,
        clock,
        webApiUrl: info.webApiUrl,
      };
      createSystemRows(context);
      createSolutionRows(context, solutionVersion);
      const state: OrgState = {
        info,
        context,
        webhookOrg: { ...context, organizationHost: `127.0.0.1:${port}/${name}` },
        requests: 0,
        // The org's own registration keeps full access, as every caller before multi-tenant apps expects.
        applicationUsers: new Map([
          [info.clientId, { systemUserId: info.userId, objectId: randomUUID(), roles: [systemAdministratorRole] }],
        ]),
        users: new Map(),
      };
      orgs.set(name, state);
      grantRole(context, info.userId, systemAdministratorRole);
      info.administrator = addOrgUser(
        state,
        addTenantUser(info.tenantId, { name: `${name} administrator`, email: `admin@${name}.example.com` }),
        [systemAdministratorRole],
      );
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
    registerMultiTenantApp(appOptions) {
      const clientId = appOptions.clientId ?? randomUUID();
      if (isClientIdTaken(clientId))
        throw new Error(`The Dataverse emulator already has an app with client id '${clientId}'.`);
      for (const uri of appOptions.redirectUris) {
        // Entra stores redirect URIs as absolute URIs.
        if (!URL.canParse(uri)) throw new Error(`A redirect URI must be an absolute URI: '${uri}'.`);
      }
      const app: MultiTenantApp = {
        clientId,
        clientSecret: appOptions.clientSecret ?? randomBytes(30).toString("base64url"),
        displayName: appOptions.displayName,
        homeTenantId: randomUUID(),
        redirectUris: [...appOptions.redirectUris],
      };
      rememberIssuedSecret(app.clientSecret);
      multiTenantApps.set(clientId, app);
      return { ...app, redirectUris: [...app.redirectUris] };
    },
    consentedTenants: (clientId) => [...(servicePrincipals.get(clientId) ?? [])],
    addApplicationUser(org, userOptions) {
      const state = stateOf(org);
      if (state.applicationUsers.has(userOptions.clientId)) {
        throw new Error(
          `Organisation '${state.info.name}' already has an application user for client id '${userOptions.clientId}'.`,
        );
      }
      const displayName = displayNameOf(userOptions.clientId);
      const objectId = randomUUID();
      // https://learn.microsoft.com/power-platform/admin/manage-application-users#create-an-application-user
      const systemUserId = insertSystemRow(state.context, "systemuser", {
        systemuserid: randomUUID(),
        fullname: `# ${displayName}`,
        firstname: "#",
        lastname: displayName,
        applicationid: userOptions.clientId,
        azureactivedirectoryobjectid: objectId,
        isdisabled: false,
        businessunitid: { id: state.info.businessUnitId, table: "businessunit" },
      });
      state.applicationUsers.set(userOptions.clientId, {
        systemUserId,
        objectId,
        roles: [...(userOptions.roles ?? [])],
      });
      for (const role of userOptions.roles ?? []) grantRole(state.context, systemUserId, role);
      return systemUserId;
    },
    assignSecurityRole(org, clientId, role) {
      const state = stateOf(org);
      const user = state.applicationUsers.get(clientId);
      if (user === undefined)
        throw new Error(`Organisation '${state.info.name}' has no application user for client id '${clientId}'.`);
      if (!user.roles.includes(role)) user.roles.push(role);
      grantRole(state.context, user.systemUserId, role);
    },
    addUser(org, person) {
      const state = stateOf(org);
      const added = addOrgUser(
        state,
        addTenantUser(
          state.info.tenantId,
          person.email === undefined ? { name: person.name } : { name: person.name, email: person.email },
        ),
        person.roles ?? [],
      );
      return { systemUserId: added.systemUserId, objectId: added.objectId };
    },
    addTenantUser(tenantId, person) {
      return { objectId: addTenantUser(tenantId, person).objectId };
    },
    signingKeyId: signIn.keyId,
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
