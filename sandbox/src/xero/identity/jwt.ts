import { createHash, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from "node:crypto";

// Xero's access and id tokens are RS256 JWTs whose keys are published at the discovery document's jwks_uri
// (https://developer.xero.com/documentation/guides/oauth2/auth-flow/ — "Decode the access token"). The emulator signs
// the same way with its own key pair, so openid-client (inside xero-node) can verify id_tokens against our JWKS.

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export function createSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { kid: randomBytes(16).toString("hex").toUpperCase(), privateKey, publicKey };
}

let processKey: SigningKey | undefined;

/**
 * One key pair per process unless an emulator is given its own: generating a 2048-bit RSA key costs about half a
 * second, and every test starts an emulator. Tokens stay per-instance all the same — each identity only accepts the
 * token ids it issued itself.
 */
export function defaultSigningKey(): SigningKey {
  processKey ??= createSigningKey();
  return processKey;
}

export function toJwks(key: SigningKey): { keys: Record<string, unknown>[] } {
  const jwk = key.publicKey.export({ format: "jwk" });
  return { keys: [{ kty: jwk.kty, use: "sig", kid: key.kid, alg: "RS256", e: jwk.e, n: jwk.n }] };
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString("base64url");

export function signJwt(key: SigningKey, claims: Record<string, unknown>): string {
  const header = base64url(JSON.stringify({ alg: "RS256", kid: key.kid, typ: "JWT" }));
  const payload = base64url(JSON.stringify(claims));
  const signature = sign("RSA-SHA256", Buffer.from(`${header}.${payload}`), key.privateKey);
  return `${header}.${payload}.${base64url(signature)}`;
}

export type JwtCheck =
  { ok: true; claims: Record<string, unknown> } | { ok: false; reason: "malformed" | "bad-signature" };

/** Parses a compact JWT and checks its signature; time claims are the caller's business (it owns the clock). */
export function verifyJwt(key: SigningKey, token: string): JwtCheck {
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "malformed" };
  const [header, payload, signature] = parts as [string, string, string];
  let claims: unknown;
  try {
    const parsedHeader: unknown = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
    if (
      typeof parsedHeader !== "object" ||
      parsedHeader === null ||
      (parsedHeader as { alg?: unknown }).alg !== "RS256"
    ) {
      return { ok: false, reason: "malformed" };
    }
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) return { ok: false, reason: "malformed" };
  const valid = verify(
    "RSA-SHA256",
    Buffer.from(`${header}.${payload}`),
    key.publicKey,
    Buffer.from(signature, "base64url"),
  );
  return valid ? { ok: true, claims: claims as Record<string, unknown> } : { ok: false, reason: "bad-signature" };
}

/** OpenID Connect at_hash: base64url of the left half of SHA-256 of the access token (RS256). */
export function toAtHash(accessToken: string): string {
  const digest = createHash("sha256").update(accessToken).digest();
  return base64url(digest.subarray(0, digest.length / 2));
}
