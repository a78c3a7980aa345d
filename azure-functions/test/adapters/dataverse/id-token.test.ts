// The ID token validator with keys generated here: a good token passes; a bad signature, another key, an
// unsupported algorithm, the wrong issuer, audience, nonce or tenant, an expired or not-yet-valid token, and junk are
// each refused with their reason. Skew: 5 minutes either way.
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import {
  idTokenSkewSeconds,
  toIssuer,
  toKeysUrl,
  validateIdToken,
  type IdTokenExpectations,
  type SigningKey,
} from "../../../src/adapters/dataverse/id-token";

const authorityUrl = "https://login.microsoftonline.com/";
const tenantId = "0f0e0d0c-0000-4000-8000-000000000001";
const otherTenant = "0f0e0d0c-0000-4000-8000-000000000002";
const clientId = "5e7c9d1a-0000-4000-8000-00000000a99c";
const nowMs = Date.UTC(2026, 2, 2, 9, 0, 0);
const now = nowMs / 1000;

function newKey(kid: string): { privateKey: KeyObject; jwk: SigningKey } {
  const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const exported = pair.publicKey.export({ format: "jwk" });
  return {
    privateKey: pair.privateKey,
    jwk: { kty: "RSA", use: "sig", kid, n: String(exported.n), e: String(exported.e) },
  };
}

const signing = newKey("key-1");
const stranger = newKey("key-1");
const keys = [newKey("key-0").jwk, signing.jwk];

const json = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

function token(
  claims: Record<string, unknown> = {},
  options: { header?: Record<string, unknown>; key?: KeyObject } = {},
): string {
  const input = `${json({ typ: "JWT", alg: "RS256", kid: "key-1", ...options.header })}.${json({
    ver: "2.0",
    iss: toIssuer(authorityUrl, tenantId),
    aud: clientId,
    tid: tenantId,
    oid: "a1b2c3d4-0000-4000-8000-00000000ad01",
    sub: "pairwise-subject",
    name: "Contoso administrator",
    preferred_username: "admin@contoso.example.com",
    nonce: "nonce-1",
    iat: now,
    nbf: now,
    exp: now + 3600,
    ...claims,
  })}`;
  return `${input}.${sign("RSA-SHA256", Buffer.from(input), options.key ?? signing.privateKey).toString("base64url")}`;
}

const expected: IdTokenExpectations = { authorityUrl, clientId, nonce: "nonce-1", tenantId, nowMs };

describe("validateIdToken", () => {
  it("accepts a token signed by a key of the tenant's JWKS for our app, nonce and tenant", () => {
    expect(validateIdToken(token(), keys, expected)).toStrictEqual({
      ok: true,
      person: {
        tenantId,
        objectId: "a1b2c3d4-0000-4000-8000-00000000ad01",
        name: "Contoso administrator",
        username: "admin@contoso.example.com",
      },
    });
  });

  it("refuses a bad signature, a key not in the JWKS, and algorithms other than RS256", () => {
    const good = token();
    const [header, claims, signature = ""] = good.split(".");
    const flipped = `${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
    expect(validateIdToken(`${header}.${claims}.${flipped}`, keys, expected)).toStrictEqual({
      ok: false,
      reason: "bad-signature",
    });
    // Claims changed after signing (another tenant written in).
    const forged = json({ ...JSON.parse(Buffer.from(claims ?? "", "base64url").toString()), tid: otherTenant });
    expect(validateIdToken(`${header}.${forged}.${signature}`, keys, expected)).toMatchObject({
      reason: "bad-signature",
    });
    // Signed by someone else's key under a known kid.
    expect(validateIdToken(token({}, { key: stranger.privateKey }), keys, expected)).toMatchObject({
      reason: "bad-signature",
    });
    expect(validateIdToken(token({}, { header: { kid: "key-9" } }), keys, expected)).toMatchObject({
      reason: "unknown-key",
    });
    expect(validateIdToken(token(), [], expected)).toMatchObject({ reason: "unknown-key" });
    for (const alg of ["none", "HS256", "RS512"])
      expect(validateIdToken(token({}, { header: { alg } }), keys, expected)).toMatchObject({
        reason: "unsupported-algorithm",
      });
  });

  it("refuses the wrong issuer, audience, nonce or tenant", () => {
    expect(validateIdToken(token({ iss: `https://sts.windows.net/${tenantId}/` }), keys, expected)).toMatchObject({
      reason: "wrong-issuer",
    });
    expect(validateIdToken(token({ iss: "https://evil.example/v2.0" }), keys, expected)).toMatchObject({
      reason: "wrong-issuer",
    });
    expect(validateIdToken(token({ aud: "another-app" }), keys, expected)).toMatchObject({ reason: "wrong-audience" });
    expect(validateIdToken(token({ nonce: "nonce-2" }), keys, expected)).toMatchObject({ reason: "wrong-nonce" });
    expect(validateIdToken(token({ nonce: undefined }), keys, expected)).toMatchObject({ reason: "wrong-nonce" });
    // Signed in to another directory (its own issuer): not the environment's tenant.
    expect(
      validateIdToken(token({ tid: otherTenant, iss: toIssuer(authorityUrl, otherTenant) }), keys, expected),
    ).toMatchObject({ reason: "wrong-tenant" });
  });

  it("allows 5 minutes of clock skew on exp and nbf, and no more", () => {
    const skew = idTokenSkewSeconds;
    expect(validateIdToken(token({ exp: now - skew + 1 }), keys, expected)).toMatchObject({ ok: true });
    expect(validateIdToken(token({ exp: now - skew }), keys, expected)).toMatchObject({ reason: "expired" });
    expect(validateIdToken(token({ nbf: now + skew }), keys, expected)).toMatchObject({ ok: true });
    expect(validateIdToken(token({ nbf: now + skew + 1 }), keys, expected)).toMatchObject({
      reason: "not-yet-valid",
    });
  });

  it("refuses junk and tokens without the claims it needs", () => {
    for (const junk of ["", "a.b", "a.b.c", "a.b.c.d", `${json({ alg: "RS256" })}.e30.`])
      expect(validateIdToken(junk, keys, expected)).toMatchObject({ ok: false, reason: "malformed" });
    expect(validateIdToken(token({ oid: undefined }), keys, expected)).toMatchObject({ reason: "malformed" });
    expect(validateIdToken(token({ exp: "tomorrow" }), keys, expected)).toMatchObject({ reason: "malformed" });
  });

  it("builds the issuer and keys URL from the configured authority", () => {
    expect(toIssuer(authorityUrl, tenantId)).toBe(`https://login.microsoftonline.com/${tenantId}/v2.0`);
    expect(toKeysUrl(authorityUrl, tenantId)).toBe(`https://login.microsoftonline.com/${tenantId}/discovery/v2.0/keys`);
  });
});
