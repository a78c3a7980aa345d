// PKCE (RFC 7636) for the Xero consent flow: S256 challenge of a high-entropy verifier.
// https://developer.xero.com/documentation/guides/oauth2/pkce-flow
import { createHash, randomBytes } from "node:crypto";

/** base64url(SHA-256(verifier)). */
export function toCodeChallenge(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/** A random verifier (43 characters of base64url) and its challenge. */
export function newPkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: toCodeChallenge(verifier) };
}
