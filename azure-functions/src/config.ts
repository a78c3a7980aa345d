// The service's configuration: the environment parsed once by zod. Secrets are marked here, once, with `secret(…)`;
// that mark is what the logger's redaction reads (`secretValues`), so a new secret setting is hidden from logs by
// being declared.
import { z } from "zod";
import { SyncError } from "./core/errors";

/** The registry of settings whose values must never appear in a log line, error or record. */
export const secretSettings = z.registry<{ secret: true }>();

function secret<T extends z.ZodType>(schema: T): T {
  secretSettings.add(schema, { secret: true });
  return schema;
}

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** An AES-256 key ring: `keyId:base64key[,keyId:base64key…]`; each key decodes to exactly 32 bytes. */
const keyRing = z
  .string()
  .min(1)
  .transform((value, context) => {
    const keys = new Map<string, Buffer>();
    for (const part of value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "")) {
      const separator = part.indexOf(":");
      const id = separator > 0 ? part.slice(0, separator) : "";
      const key = Buffer.from(part.slice(separator + 1), "base64");
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(id) || key.length !== 32) {
        context.addIssue({
          code: "custom",
          message: "each key must be keyId:base64 of 32 bytes (key id: letters, digits, - or _)",
        });
        return z.NEVER;
      }
      keys.set(id, key);
    }
    if (keys.size === 0) {
      context.addIssue({ code: "custom", message: "at least one key is required" });
      return z.NEVER;
    }
    return keys;
  });

/** The environment as the Functions host (or the sandbox) provides it. */
export const environmentSchema = z.object({
  /** The Functions host's own storage setting; tables and queues live there. */
  AzureWebJobsStorage: secret(z.string().min(1)),
  /** Encryption keys for tokens and client secrets at rest (a Key Vault reference in Azure). */
  XC_ENCRYPTION_KEYS: secret(keyRing),
  /** Which key encrypts new values; defaults to the first. Older keys still decrypt (rotation). */
  XC_ENCRYPTION_KEY_ID: z.string().min(1).optional(),
  /** HMAC key for signed onboarding / reauthorisation links. */
  XC_LINK_SIGNING_KEY: secret(z.string().min(32)),
  /** Where the service's HTTP endpoints are reachable from a browser (links point here). */
  XC_PUBLIC_BASE_URL: z.url().default("http://127.0.0.1:7071"),
  XERO_CLIENT_ID: z.string().min(1),
  XERO_CLIENT_SECRET: secret(z.string().min(1)),
  /** Token and revocation endpoints live under it: https://developer.xero.com/documentation/guides/oauth2/auth-flow */
  XERO_IDENTITY_URL: z.url().default("https://identity.xero.com"),
  /** The consent page lives under it (`/identity/connect/authorize`). */
  XERO_LOGIN_URL: z.url().default("https://login.xero.com"),
  XERO_API_URL: z.url().default("https://api.xero.com/api.xro/2.0"),
  XERO_CONNECTIONS_URL: z.url().default("https://api.xero.com/connections"),
  /** Granular scopes (apps created after 2 March 2026 cannot ask for accounting.transactions). */
  XERO_SCOPES: z
    .string()
    .default("offline_access accounting.invoices accounting.payments accounting.contacts accounting.settings"),
  /** Xero's webhook signing key (x-xero-signature). */
  XERO_WEBHOOK_KEY: secret(z.string().min(1).optional()),
  /** Per organisation per app: https://developer.xero.com/documentation/guides/oauth2/limits/ */
  XERO_CONCURRENT_LIMIT: positiveInt(5),
  XERO_MINUTE_LIMIT: positiveInt(60),
  XERO_DAY_LIMIT: positiveInt(5000),
  /** Entra ID authority; the sandbox's stand-in has the same `/<tenant>/oauth2/v2.0/token` shape. */
  DATAVERSE_AUTHORITY_URL: z.url().default("https://login.microsoftonline.com"),
  /**
   * The service's own multi-tenant app registration ("Accounts in any organizational directory"): customers grant it
   * admin consent instead of creating a secret. Both or neither; without them onboarding offers only the client-secret
   * form. https://learn.microsoft.com/power-apps/developer/data-platform/use-multi-tenant-server-server-authentication
   */
  DATAVERSE_APP_CLIENT_ID: z.string().trim().min(1).optional(),
  DATAVERSE_APP_CLIENT_SECRET: secret(z.string().min(1).optional()),
  /** Refresh a Xero access token this long before it expires. */
  XC_TOKEN_REFRESH_MARGIN_SECONDS: positiveInt(300),
  /** Refresh an idle grant once its refresh token is this old (Xero's refresh tokens die after 60 days unused). */
  XC_TOKEN_KEEPALIVE_DAYS: positiveInt(30),
});

export type Environment = z.input<typeof environmentSchema>;

/** The service's multi-tenant Entra app: one id and secret for every customer who consented to it. */
export interface DataverseApp {
  clientId: string;
  clientSecret: string;
}

export interface Config {
  storageConnectionString: string;
  encryption: { currentKeyId: string; keys: ReadonlyMap<string, Buffer> };
  links: { signingKey: string; publicBaseUrl: string };
  xero: {
    clientId: string;
    clientSecret: string;
    identityUrl: string;
    loginUrl: string;
    apiUrl: string;
    connectionsUrl: string;
    scopes: readonly string[];
    webhookKey: string | undefined;
    limits: { concurrent: number; perMinute: number; perDay: number };
  };
  dataverse: {
    authorityUrl: string;
    /** The service's multi-tenant app (admin-consent onboarding); undefined when not configured. */
    app: DataverseApp | undefined;
  };
  tokens: { refreshMarginMs: number; keepAliveAfterMs: number };
  /** Every value marked secret in the schema (and its fragments), for the logger's redaction. */
  secrets: readonly string[];
}

const trimSlash = (url: string): string => url.replace(/\/+$/, "");

/** Parses an environment; throws a `config` SyncError listing every bad setting (names only, never values). */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new SyncError(`invalid configuration: ${problems.join("; ")}`, { kind: "config" });
  }
  const e = parsed.data;
  const currentKeyId = e.XC_ENCRYPTION_KEY_ID ?? [...e.XC_ENCRYPTION_KEYS.keys()][0];
  if (currentKeyId === undefined || !e.XC_ENCRYPTION_KEYS.has(currentKeyId)) {
    throw new SyncError(
      "invalid configuration: XC_ENCRYPTION_KEY_ID names a key that XC_ENCRYPTION_KEYS does not hold",
      { kind: "config" },
    );
  }
  if ((e.DATAVERSE_APP_CLIENT_ID === undefined) !== (e.DATAVERSE_APP_CLIENT_SECRET === undefined)) {
    throw new SyncError(
      "invalid configuration: DATAVERSE_APP_CLIENT_ID and DATAVERSE_APP_CLIENT_SECRET must be set together (or neither)",
      {
        kind: "config",
      },
    );
  }
  const app =
    e.DATAVERSE_APP_CLIENT_ID === undefined || e.DATAVERSE_APP_CLIENT_SECRET === undefined
      ? undefined
      : { clientId: e.DATAVERSE_APP_CLIENT_ID, clientSecret: e.DATAVERSE_APP_CLIENT_SECRET };
  return {
    storageConnectionString: e.AzureWebJobsStorage,
    encryption: { currentKeyId, keys: e.XC_ENCRYPTION_KEYS },
    links: { signingKey: e.XC_LINK_SIGNING_KEY, publicBaseUrl: trimSlash(e.XC_PUBLIC_BASE_URL) },
    xero: {
      clientId: e.XERO_CLIENT_ID,
      clientSecret: e.XERO_CLIENT_SECRET,
      identityUrl: trimSlash(e.XERO_IDENTITY_URL),
      loginUrl: trimSlash(e.XERO_LOGIN_URL),
      apiUrl: trimSlash(e.XERO_API_URL),
      connectionsUrl: trimSlash(e.XERO_CONNECTIONS_URL),
      scopes: e.XERO_SCOPES.split(/\s+/).filter((scope) => scope !== ""),
      webhookKey: e.XERO_WEBHOOK_KEY,
      limits: { concurrent: e.XERO_CONCURRENT_LIMIT, perMinute: e.XERO_MINUTE_LIMIT, perDay: e.XERO_DAY_LIMIT },
    },
    dataverse: { authorityUrl: trimSlash(e.DATAVERSE_AUTHORITY_URL), app },
    tokens: {
      refreshMarginMs: e.XC_TOKEN_REFRESH_MARGIN_SECONDS * 1000,
      keepAliveAfterMs: e.XC_TOKEN_KEEPALIVE_DAYS * 86_400_000,
    },
    secrets: secretValues(env),
  };
}

/** The names of the settings marked secret, read from the schema itself. */
export function secretSettingNames(): string[] {
  return Object.entries(environmentSchema.shape)
    .filter(([, schema]) => secretSettings.has(schema))
    .map(([name]) => name);
}

/**
 * The raw values of the secret settings, with their fragments: a key ring `id:key,id:key` or a connection string
 * `Name=value;…` could leak a part on its own.
 */
export function secretValues(env: Record<string, string | undefined>): string[] {
  const values = new Set<string>();
  for (const name of secretSettingNames()) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    values.add(value);
    for (const segment of value.split(/[,;]/)) {
      const trimmed = segment.trim();
      values.add(trimmed);
      const separator = trimmed.search(/[:=]/);
      if (separator <= 0) continue;
      const name = trimmed.slice(0, separator);
      const fragment = trimmed.slice(separator + 1);
      // Connection strings also hold endpoints and the account name, which are not secret.
      if (fragment.includes("://") || /^(DefaultEndpointsProtocol|AccountName|EndpointSuffix|\w*Endpoint)$/i.test(name))
        continue;
      values.add(fragment);
    }
  }
  return [...values].filter((value) => value.length >= 8);
}

let cached: Config | undefined;

/** The process's configuration, parsed on first use (the Functions entry point calls this once and passes it on). */
export function readConfigOnce(env: Record<string, string | undefined> = process.env): Config {
  cached ??= loadConfig(env);
  return cached;
}
