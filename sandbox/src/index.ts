// The sandbox: Azurite, the Dataverse emulator (a demo org, seeded), the Xero emulator (a demo organisation and a
// valid token for it) and, when asked, the local Functions host running the service. Ports come from environment
// variables with fixed defaults so tools outside the project can reach it; tests pass 0 for free ports.
// `.sandbox/endpoints.json` tells everything else where things are and which credentials work.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { FunctionDefinition } from "../../azure-functions/src/function-table";
import { startAzurite, type Azurite } from "./azurite";
import { systemClock, type Clock } from "./clock";
import { startDataverseEmulator, type DataverseEmulator } from "./dataverse";
import { findFreePort } from "./free-port";
import { startFunctionsHost, type FunctionsHost, type HostLogger } from "./functions-host";
import { rememberIssuedSecret } from "./issued-secrets";
import { startXeroEmulator, type XeroEmulator } from "./xero";

// ---------------------------------------------------------------------------------------------------------------
// Ports

export interface SandboxPorts {
  dataverse: number;
  xero: number;
  xeroIdentity: number;
  azuriteBlob: number;
  azuriteQueue: number;
  azuriteTable: number;
  functions: number;
}

/** The fixed defaults of ARCHITECTURE.md and the environment variable that overrides each. */
export const portSettings: Readonly<Record<keyof SandboxPorts, { env: string; fallback: number }>> = {
  dataverse: { env: "SANDBOX_DATAVERSE_PORT", fallback: 5555 },
  xero: { env: "SANDBOX_XERO_PORT", fallback: 5560 },
  xeroIdentity: { env: "SANDBOX_XERO_IDENTITY_PORT", fallback: 5561 },
  azuriteBlob: { env: "AZURITE_BLOB_PORT", fallback: 10000 },
  azuriteQueue: { env: "AZURITE_QUEUE_PORT", fallback: 10001 },
  azuriteTable: { env: "AZURITE_TABLE_PORT", fallback: 10002 },
  functions: { env: "FUNCTIONS_PORT", fallback: 7071 },
};

const portNumber = z.coerce.number().int().min(0).max(65_535);

/** Reads the ports from the environment (an unset or empty variable means the default; 0 means any free port). */
export function portsFromEnv(env: Readonly<Record<string, string | undefined>>): SandboxPorts {
  const entries = Object.entries(portSettings).map(([key, setting]) => {
    const raw = env[setting.env];
    if (raw === undefined || raw.trim() === "") return [key, setting.fallback] as const;
    const parsed = portNumber.safeParse(raw);
    if (!parsed.success) throw new Error(`${setting.env}=${raw} is not a port number (0-65535)`);
    return [key, parsed.data] as const;
  });
  return Object.fromEntries(entries) as unknown as SandboxPorts;
}

/** Ports with 0 replaced by free ones (Azurite and the emulators must be told a concrete port up front). */
async function toConcretePorts(ports: SandboxPorts): Promise<SandboxPorts> {
  const concrete = { ...ports };
  for (const key of Object.keys(concrete) as Array<keyof SandboxPorts>) {
    if (concrete[key] === 0) concrete[key] = await findFreePort();
  }
  return concrete;
}

// ---------------------------------------------------------------------------------------------------------------
// The endpoints file

const httpUrl = z.url({ protocol: /^https?$/ });

/** What `.sandbox/endpoints.json` holds: where each part listens and credentials that work against it. */
export const sandboxEndpointsSchema = z.object({
  /** Base of the Accounting API; ends in /api.xro/2.0. */
  xeroApiUrl: httpUrl.refine((url) => url.endsWith("/api.xro/2.0"), "must end in /api.xro/2.0"),
  xeroConnectionsUrl: httpUrl,
  xeroIdentityUrl: httpUrl,
  /** The demo organisation. */
  xeroTenantId: z.string().min(1),
  /** A valid access token for the demo organisation (30 minutes, like Xero's; the sandbox rewrites the file before it expires). */
  xeroAccessToken: z.string().min(1),
  /** The Dataverse emulator's host root. */
  dataverseHostUrl: httpUrl,
  /** The demo org's root (its Web API is `<root>/api/data/v9.2/`). */
  dataverseUrl: httpUrl,
  dataverseWebApiUrl: httpUrl,
  dataverseAccessToken: z.string().min(1),
  /** The demo org's Entra stand-in: tenant and a client-credentials app that may call it. */
  dataverseTenantId: z.string().min(1),
  dataverseClientId: z.string().min(1),
  dataverseClientSecret: z.string().min(1),
  /** The service's app registered with the Xero identity emulator (what XERO_CLIENT_ID / XERO_CLIENT_SECRET hold). */
  xeroClientId: z.string().min(1),
  xeroClientSecret: z.string().min(1),
  /** Redirect URI registered for that app: the service's consent callback on the Functions host. */
  xeroRedirectUri: httpUrl,
  /** The service's multi-tenant Dynamics 365 app (DATAVERSE_APP_CLIENT_ID / _SECRET); its redirect URI is the service's consent callback. */
  dataverseAppClientId: z.string().min(1).optional(),
  dataverseAppClientSecret: z.string().min(1).optional(),
  /** The key Xero signs webhooks with (XERO_WEBHOOK_KEY). */
  xeroWebhookKey: z.string().min(1),
  azureStorageConnectionString: z.string().min(1),
  /** The local Functions host's origin; HTTP functions live under `<functionsUrl>/api/`. Only when the service runs. */
  functionsUrl: httpUrl.optional(),
  /** The host key: `?code=` or `x-functions-key` for any function-level function. Only when the service runs. */
  functionKey: z.string().min(1).optional(),
  /** The host's master key: admin-level functions and `POST /admin/functions/<name>` (run a timer now). */
  functionsMasterKey: z.string().min(1).optional(),
  writtenAt: z.iso.datetime(),
});

export type SandboxEndpoints = z.infer<typeof sandboxEndpointsSchema>;

/** `.sandbox/endpoints.json` at the repository root. */
export const defaultEndpointsFile = join(__dirname, "..", "..", ".sandbox", "endpoints.json");

export async function writeEndpointsFile(path: string, endpoints: SandboxEndpoints): Promise<void> {
  const checked = sandboxEndpointsSchema.parse(endpoints);
  await mkdir(dirname(path), { recursive: true });
  // Write then rename, so a reader never sees half a file.
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(checked, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, path);
}

export async function readEndpointsFile(path: string = defaultEndpointsFile): Promise<SandboxEndpoints> {
  return sandboxEndpointsSchema.parse(JSON.parse(await readFile(path, "utf8")) as unknown);
}

// ---------------------------------------------------------------------------------------------------------------
// The service

/** The service's table factory, as azure-functions/src/functions exports it. */
export type FunctionTableFactory = (env: Readonly<Record<string, string | undefined>>) => readonly FunctionDefinition[];

const serviceModules = [
  join(__dirname, "..", "..", "azure-functions", "src", "functions", "table"),
  join(__dirname, "..", "..", "azure-functions", "src", "functions", "index"),
];

/**
 * Finds the service's `createFunctionTable(env)`. It is looked up at run time because the sandbox must start (for
 * `npm run sandbox`) even while the service is being written; null when no module exports it yet.
 */
export function loadServiceTableFactory(): FunctionTableFactory | null {
  for (const path of serviceModules) {
    let loaded: unknown;
    try {
      // A run-time lookup on purpose: the module may not exist yet, and a static import would not compile then.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require(path) as unknown;
    } catch (error) {
      if (isModuleNotFound(error, path)) continue;
      throw error;
    }
    const factory = (loaded as { createFunctionTable?: unknown } | null)?.createFunctionTable;
    if (typeof factory === "function") return factory as FunctionTableFactory;
  }
  return null;
}

function isModuleNotFound(error: unknown, path: string): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { code?: unknown }).code === "MODULE_NOT_FOUND" &&
    String((error as { message?: unknown }).message).includes(path)
  );
}

/**
 * Where the service's Xero endpoints live under the Functions host's /api: the consent callback (registered as the
 * app's redirect URI) and the webhook receiver (Xero's delivery URL). Kept here so both sides agree.
 */
export const serviceRoutes = {
  xeroCallback: "xero/callback",
  xeroWebhook: "xero/webhook",
  /** Entra's admin consent answer for the service's multi-tenant Dynamics 365 app (its redirect URI). */
  dynamicsConsentCallback: "dynamics/consent/callback",
  /** Entra's sign-in answer (OpenID Connect code flow) for the same app: the administrator signs in first. */
  dynamicsSignInCallback: "dynamics/signin/callback",
} as const;

/** The service's Xero webhook receiver in its table, found by its route. */
export function findXeroWebhookFunction(table: readonly FunctionDefinition[]): FunctionDefinition | undefined {
  const wanted = serviceRoutes.xeroWebhook.toLowerCase();
  return table.find(
    (definition) => definition.kind === "http" && definition.route.replace(/^\/+|\/+$/g, "").toLowerCase() === wanted,
  );
}

export interface ServiceSecrets {
  encryptionKeys: string;
  linkSigningKey: string;
}

const serviceSecretsSchema = z.object({ encryptionKeys: z.string().min(1), linkSigningKey: z.string().min(32) });

/**
 * The service's own secrets for this sandbox. With a persist folder they are kept there, so tokens Azurite keeps
 * between runs still decrypt; otherwise new ones each start.
 */
export async function loadServiceSecrets(persistDir: string | undefined): Promise<ServiceSecrets> {
  const secrets = await readOrCreateServiceSecrets(persistDir);
  // The key ring's key on its own too: a leak of the key matters without its `sandbox:` id.
  rememberIssuedSecret(secrets.encryptionKeys, secrets.encryptionKeys.split(":").pop(), secrets.linkSigningKey);
  return secrets;
}

async function readOrCreateServiceSecrets(persistDir: string | undefined): Promise<ServiceSecrets> {
  if (persistDir === undefined) return newServiceSecrets();
  const path = join(persistDir, "service-secrets.json");
  try {
    return serviceSecretsSchema.parse(JSON.parse(await readFile(path, "utf8")) as unknown);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ENOENT") throw error;
    const secrets = newServiceSecrets();
    await mkdir(persistDir, { recursive: true });
    await writeFile(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    return secrets;
  }
}

/** KEY=value lines (what `npm run support` reads from `.sandbox/service.env`). */
export function toEnvFileText(env: Readonly<Record<string, string>>): string {
  return `# The service's settings for the running sandbox (written by startSandbox; sandbox credentials only).\n${Object.entries(
    env,
  )
    .map(([name, value]) => `${name}=${value}`)
    .join("\n")}\n`;
}

export function newServiceSecrets(): ServiceSecrets {
  return {
    encryptionKeys: `sandbox:${randomBytes(32).toString("base64")}`,
    linkSigningKey: randomBytes(32).toString("base64url"),
  };
}

/** The app settings the service reads (azure-functions/src/config.ts), pointed at the sandbox. */
export function toServiceEnvironment(input: {
  storageConnectionString: string;
  functionsUrl: string;
  xero: {
    identityUrl: string;
    apiUrl: string;
    connectionsUrl: string;
    clientId: string;
    clientSecret: string;
    webhookKey: string;
  };
  dataverseAuthorityUrl: string;
  /** The service's multi-tenant Dynamics 365 app (admin-consent onboarding), when registered. */
  dataverseApp?: { clientId: string; clientSecret: string };
  secrets: ServiceSecrets;
}): Record<string, string> {
  return {
    AzureWebJobsStorage: input.storageConnectionString,
    XC_ENCRYPTION_KEYS: input.secrets.encryptionKeys,
    XC_LINK_SIGNING_KEY: input.secrets.linkSigningKey,
    XC_PUBLIC_BASE_URL: input.functionsUrl,
    XERO_CLIENT_ID: input.xero.clientId,
    XERO_CLIENT_SECRET: input.xero.clientSecret,
    XERO_IDENTITY_URL: input.xero.identityUrl,
    // The emulator serves the consent page on the identity port too.
    XERO_LOGIN_URL: input.xero.identityUrl,
    XERO_API_URL: input.xero.apiUrl,
    XERO_CONNECTIONS_URL: input.xero.connectionsUrl,
    XERO_WEBHOOK_KEY: input.xero.webhookKey,
    DATAVERSE_AUTHORITY_URL: input.dataverseAuthorityUrl,
    ...(input.dataverseApp === undefined
      ? {}
      : {
          DATAVERSE_APP_CLIENT_ID: input.dataverseApp.clientId,
          DATAVERSE_APP_CLIENT_SECRET: input.dataverseApp.clientSecret,
        }),
  };
}

/** The service's multi-tenant app's name in the Dataverse emulator (what a customer's administrator approves). */
export const dynamicsAppDisplayName = "Xero Connector";
/** The security role the solution ships for the service's application user. */
export const dynamicsAppRole = "Xero Connector Service";

// ---------------------------------------------------------------------------------------------------------------
// startSandbox

export interface StartSandboxOptions {
  /** Ports; absent ones come from the environment (then the defaults); 0 means any free port. */
  ports?: Partial<SandboxPorts>;
  /** Azurite persists here (in memory when absent). */
  persistDir?: string;
  clock?: Clock;
  /** Also run the service in the local Functions host: true loads azure-functions' table; or pass a factory. */
  withService?: boolean | FunctionTableFactory;
  /** Timer schedules run this much faster (demo). */
  speedUp?: number;
  /** Where to write the endpoints file; false to write none. Defaults to `.sandbox/endpoints.json`. */
  endpointsFile?: string | false;
  /** The environment ports are read from (process.env by default). */
  env?: Readonly<Record<string, string | undefined>>;
  /** The Functions host's log lines. */
  hostLogger?: HostLogger;
}

export interface Sandbox {
  endpoints: SandboxEndpoints;
  ports: SandboxPorts;
  xero: XeroEmulator;
  dataverse: DataverseEmulator;
  azurite: Azurite;
  /** Present when the service runs. */
  host?: FunctionsHost;
  /** The service's app settings (present when the service runs). */
  serviceEnv?: Readonly<Record<string, string>>;
  /** Xero's webhook subscription to the service: its URL and whether it passed intent to receive. */
  xeroWebhook?: { url: string; verified: boolean };
  /** Issues fresh tokens and rewrites the endpoints file. */
  refreshEndpoints(): Promise<SandboxEndpoints>;
  stop(): Promise<void>;
}

/** Like Promise.all, but waits for every promise to settle before rejecting, so nothing is still starting. */
async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

function toTableFactory(withService: StartSandboxOptions["withService"]): FunctionTableFactory | null {
  if (withService === undefined || withService === false) return null;
  if (withService !== true) return withService;
  const factory = loadServiceTableFactory();
  if (factory === null)
    throw new Error("the service exports no createFunctionTable(env) from azure-functions/src/functions yet");
  return factory;
}

export const demoXeroOrganisationName = "Demo Company (NZ)";
export const demoDataverseOrgName = "demo";
/** Tokens are re-issued this often so the endpoints file always holds a live one (Xero's last 30 minutes). */
const endpointsRefreshMs = 20 * 60_000;

export async function startSandbox(options: StartSandboxOptions = {}): Promise<Sandbox> {
  const requested = { ...portsFromEnv(options.env ?? process.env), ...options.ports };
  const ports = await toConcretePorts(requested);
  const clock = options.clock ?? systemClock;
  const stack: Array<() => Promise<void>> = [];
  const stopStack = async () => {
    for (const stop of stack.splice(0).reverse()) await stop().catch(() => undefined);
  };

  try {
    // Azurite (a child process) and the two emulators start side by side; whatever came up is stopped on failure.
    const started = <T extends { stop(): Promise<void> }>(promise: Promise<T>): Promise<T> =>
      promise.then((part) => {
        stack.push(() => part.stop());
        return part;
      });
    const [azurite, dataverse, xero] = await settleAll([
      started(
        startAzurite({
          blobPort: ports.azuriteBlob,
          queuePort: ports.azuriteQueue,
          tablePort: ports.azuriteTable,
          ...(options.persistDir === undefined ? {} : { location: join(options.persistDir, "azurite") }),
        }),
      ),
      started(startDataverseEmulator({ port: ports.dataverse, clock })),
      started(startXeroEmulator({ port: ports.xero, identityPort: ports.xeroIdentity, clock })),
    ] as const);
    const dataverseOrg = dataverse.createOrganisation(demoDataverseOrgName);
    dataverse.seedDemo(dataverseOrg);
    const xeroOrganisation = xero.createOrganisation({ name: demoXeroOrganisationName });

    // The service's app is registered even when the service does not run here, so `func start` can use it.
    const functionsUrl = `http://127.0.0.1:${ports.functions}`;
    const redirectUri = `${functionsUrl}/api/${serviceRoutes.xeroCallback}`;
    const app = xero.registerApp({ name: "Xero Connector (sandbox)", kind: "web", redirectUris: [redirectUri] });
    if (app.clientSecret === undefined)
      throw new Error("the Xero emulator registered the service's web app without a secret");
    const xeroApp = { clientId: app.clientId, clientSecret: app.clientSecret };
    // The service's multi-tenant Dynamics 365 app, for the admin-consent way of connecting an environment. The demo
    // org already has it as an application user with its role (what a customer's administrator does in the Power
    // Platform admin center); an org created later has not, so onboarding shows the steps.
    const dynamicsApp = dataverse.registerMultiTenantApp({
      displayName: dynamicsAppDisplayName,
      redirectUris: [
        `${functionsUrl}/api/${serviceRoutes.dynamicsConsentCallback}`,
        `${functionsUrl}/api/${serviceRoutes.dynamicsSignInCallback}`,
      ],
    });
    dataverse.addApplicationUser(dataverseOrg, { clientId: dynamicsApp.clientId, roles: [dynamicsAppRole] });
    let host: FunctionsHost | undefined;
    let serviceEnv: Record<string, string> | undefined;
    let xeroWebhook: { url: string; verified: boolean } | undefined;
    const factory = toTableFactory(options.withService);
    if (factory !== null) {
      serviceEnv = toServiceEnvironment({
        storageConnectionString: azurite.connectionString,
        functionsUrl,
        xero: {
          identityUrl: xero.identityUrl,
          apiUrl: xero.apiUrl,
          connectionsUrl: xero.connectionsUrl,
          ...xeroApp,
          webhookKey: xero.webhooks.signingKey,
        },
        dataverseAuthorityUrl: dataverse.url,
        dataverseApp: { clientId: dynamicsApp.clientId, clientSecret: dynamicsApp.clientSecret },
        secrets: await loadServiceSecrets(options.persistDir),
      });
      const table = factory(serviceEnv);
      host = await startFunctionsHost({
        table,
        port: ports.functions,
        env: serviceEnv,
        storageConnectionString: azurite.connectionString,
        ...(options.speedUp === undefined ? {} : { speedUp: options.speedUp }),
        ...(options.hostLogger === undefined ? {} : { logger: options.hostLogger }),
      });
      const runningHost = host;
      stack.push(() => runningHost.stop());
      if (findXeroWebhookFunction(table) !== undefined) {
        // As in Xero's developer portal: subscribe the delivery URL, which must pass intent to receive first.
        // https://developer.xero.com/documentation/guides/webhooks/configuring-your-server/#intent-to-receive
        const url = `${host.apiUrl}/${serviceRoutes.xeroWebhook}`;
        const sender = xero.webhooks.configure({ url });
        // The first call also builds the service (tables, queues), which can outlast Xero's 5 s on a busy machine;
        // the portal lets a developer send intent to receive again, so the sandbox tries a few times.
        let verified = false;
        for (let attempt = 0; attempt < 3 && !verified; attempt += 1) verified = (await sender.intentToReceive()).ok;
        xeroWebhook = { url, verified };
      }
    }

    const endpointsFile = options.endpointsFile === undefined ? defaultEndpointsFile : options.endpointsFile;
    const collectEndpoints = (): SandboxEndpoints =>
      sandboxEndpointsSchema.parse({
        xeroApiUrl: xero.apiUrl,
        xeroConnectionsUrl: xero.connectionsUrl,
        xeroIdentityUrl: xero.identityUrl,
        xeroTenantId: xeroOrganisation.tenantId,
        xeroAccessToken: xero.issueTokenSet({ tenantIds: [xeroOrganisation.tenantId] }).access_token,
        dataverseHostUrl: dataverse.url,
        dataverseUrl: dataverseOrg.url,
        dataverseWebApiUrl: dataverseOrg.webApiUrl,
        dataverseAccessToken: dataverse.issueAccessToken(dataverseOrg),
        dataverseTenantId: dataverseOrg.tenantId,
        dataverseClientId: dataverseOrg.clientId,
        dataverseClientSecret: dataverseOrg.clientSecret,
        xeroClientId: xeroApp.clientId,
        xeroClientSecret: xeroApp.clientSecret,
        xeroRedirectUri: redirectUri,
        dataverseAppClientId: dynamicsApp.clientId,
        dataverseAppClientSecret: dynamicsApp.clientSecret,
        xeroWebhookKey: xero.webhooks.signingKey,
        azureStorageConnectionString: azurite.connectionString,
        ...(host === undefined
          ? {}
          : { functionsUrl: host.url, functionKey: host.functionKey, functionsMasterKey: host.masterKey }),
        writtenAt: new Date(clock.now()).toISOString(),
      });

    const sandbox: Sandbox = {
      endpoints: collectEndpoints(),
      ports,
      xero,
      dataverse,
      azurite,
      ...(host === undefined ? {} : { host }),
      ...(serviceEnv === undefined ? {} : { serviceEnv }),
      ...(xeroWebhook === undefined ? {} : { xeroWebhook }),
      async refreshEndpoints() {
        sandbox.endpoints = collectEndpoints();
        if (endpointsFile !== false) await writeEndpointsFile(endpointsFile, sandbox.endpoints);
        return sandbox.endpoints;
      },
      stop: stopStack,
    };
    if (endpointsFile !== false) {
      // Both files describe a running sandbox only: they go when it stops.
      const serviceEnvFile = join(dirname(endpointsFile), "service.env");
      stack.push(() =>
        Promise.all([rm(endpointsFile, { force: true }), rm(serviceEnvFile, { force: true })]).then(() => undefined),
      );
      await writeEndpointsFile(endpointsFile, sandbox.endpoints);
      if (serviceEnv !== undefined) await writeFile(serviceEnvFile, toEnvFileText(serviceEnv), { mode: 0o600 });
    }
    const refresher = setInterval(() => void sandbox.refreshEndpoints().catch(() => undefined), endpointsRefreshMs);
    refresher.unref();
    stack.push(() => {
      clearInterval(refresher);
      return Promise.resolve();
    });
    return sandbox;
  } catch (error) {
    await stopStack();
    throw error;
  }
}
