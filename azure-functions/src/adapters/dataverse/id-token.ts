// Validates the ID token of a Microsoft Entra sign-in (OpenID Connect), as Microsoft lists the checks: an RS256
// signature by a key of the tenant's JWKS (`<authority>/<tenant>/discovery/v2.0/keys`, found by `kid`), `iss` =
// `<authority>/<tid>/v2.0`, `aud` = our client id, `exp` / `nbf` with a 5-minute clock skew, the `nonce` we sent, and
// `tid` = the tenant we expect. Node's crypto does the RSA work; no JWT library.
// https://learn.microsoft.com/entra/identity-platform/id-tokens#validate-tokens
// https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference
// https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri
import { createPublicKey, verify, type JsonWebKey } from "node:crypto";
import { z } from "zod";
import { fetchEntraJson } from "./entra-json";

/** Clock skew allowed on `exp` and `nbf`. */
export const idTokenSkewSeconds = 5 * 60;

const Jwk = z
  .object({
    kty: z.string(),
    kid: z.string().optional(),
    use: z.string().optional(),
    n: z.string().optional(),
    e: z.string().optional(),
  })
  .passthrough();
const Jwks = z.object({ keys: z.array(Jwk) });
export type SigningKey = z.infer<typeof Jwk>;

const Header = z.object({ alg: z.string(), kid: z.string().optional(), typ: z.string().optional() });
const Claims = z.object({
  iss: z.string(),
  aud: z.string(),
  tid: z.string(),
  oid: z.string().min(1),
  sub: z.string().optional(),
  name: z.string().optional(),
  preferred_username: z.string().optional(),
  nonce: z.string().optional(),
  exp: z.number(),
  nbf: z.number().optional(),
  iat: z.number().optional(),
});

/** What the service keeps of a verified sign-in (no token). */
export interface SignedInPerson {
  tenantId: string;
  objectId: string;
  name: string | undefined;
  username: string | undefined;
}

export const idTokenRefusals = [
  "malformed",
  "unsupported-algorithm",
  "unknown-key",
  "bad-signature",
  "wrong-issuer",
  "wrong-audience",
  "expired",
  "not-yet-valid",
  "wrong-nonce",
  "wrong-tenant",
] as const;
export type IdTokenRefusal = (typeof idTokenRefusals)[number];

export type IdTokenCheck = { ok: true; person: SignedInPerson } | { ok: false; reason: IdTokenRefusal };

export interface IdTokenExpectations {
  /** The configured authority (DATAVERSE_AUTHORITY_URL), e.g. https://login.microsoftonline.com */
  authorityUrl: string;
  clientId: string;
  nonce: string;
  /** The environment's tenant: the person must have signed in to that directory. */
  tenantId: string;
  nowMs: number;
}

const withoutSlash = (url: string): string => url.replace(/\/+$/, "");

/** `<authority>/<tid>/v2.0`, the v2.0 issuer of a tenant. */
export const toIssuer = (authorityUrl: string, tenantId: string): string =>
  `${withoutSlash(authorityUrl)}/${tenantId}/v2.0`;

/** `<authority>/<tenant>/discovery/v2.0/keys`. */
export const toKeysUrl = (authorityUrl: string, tenantId: string): string =>
  `${withoutSlash(authorityUrl)}/${encodeURIComponent(tenantId)}/discovery/v2.0/keys`;

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

/** Checks an ID token against the tenant's keys and what the sign-in asked for. Pure: keys and time are inputs. */
export function validateIdToken(
  token: string,
  keys: readonly SigningKey[],
  expected: IdTokenExpectations,
): IdTokenCheck {
  const parts = token.split(".");
  const [encodedHeader, encodedClaims, encodedSignature] = parts;
  if (
    parts.length !== 3 ||
    encodedHeader === undefined ||
    encodedClaims === undefined ||
    encodedSignature === undefined
  )
    return { ok: false, reason: "malformed" };
  const header = Header.safeParse(decodeJson(encodedHeader));
  const claims = Claims.safeParse(decodeJson(encodedClaims));
  if (!header.success || !claims.success) return { ok: false, reason: "malformed" };
  // Only RS256: never "none", never an HMAC that would take a public key for a secret.
  if (header.data.alg !== "RS256") return { ok: false, reason: "unsupported-algorithm" };
  const jwk = keys.find(
    (key) => key.kid === header.data.kid && key.kty === "RSA" && (key.use === undefined || key.use === "sig"),
  );
  if (jwk === undefined) return { ok: false, reason: "unknown-key" };
  let signatureOk: boolean;
  try {
    const publicKey = createPublicKey({ key: { kty: "RSA", n: jwk.n, e: jwk.e } as JsonWebKey, format: "jwk" });
    signatureOk = verify(
      "RSA-SHA256",
      Buffer.from(`${encodedHeader}.${encodedClaims}`),
      publicKey,
      Buffer.from(encodedSignature, "base64url"),
    );
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) return { ok: false, reason: "bad-signature" };
  const c = claims.data;
  if (c.iss !== toIssuer(expected.authorityUrl, c.tid)) return { ok: false, reason: "wrong-issuer" };
  if (c.aud !== expected.clientId) return { ok: false, reason: "wrong-audience" };
  const now = Math.floor(expected.nowMs / 1000);
  if (c.exp + idTokenSkewSeconds <= now) return { ok: false, reason: "expired" };
  if (c.nbf !== undefined && c.nbf - idTokenSkewSeconds > now) return { ok: false, reason: "not-yet-valid" };
  if (c.nonce !== expected.nonce) return { ok: false, reason: "wrong-nonce" };
  if (c.tid.toLowerCase() !== expected.tenantId.toLowerCase()) return { ok: false, reason: "wrong-tenant" };
  return {
    ok: true,
    person: { tenantId: c.tid.toLowerCase(), objectId: c.oid, name: c.name, username: c.preferred_username },
  };
}

/** The tenant's signing keys. https://learn.microsoft.com/entra/identity-platform/signing-key-rollover */
export async function fetchSigningKeys(
  authorityUrl: string,
  tenantId: string,
  options: { fetch?: typeof fetch; nowMs: number },
): Promise<SigningKey[]> {
  const keys = await fetchEntraJson(
    toKeysUrl(authorityUrl, tenantId),
    { headers: { Accept: "application/json" } },
    { schema: Jwks, expected: "signing keys" },
    { ...(options.fetch === undefined ? {} : { fetch: options.fetch }), nowMs: options.nowMs, timeoutMs: 15_000 },
  );
  return keys.keys;
}
