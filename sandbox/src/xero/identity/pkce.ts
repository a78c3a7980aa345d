import { createHash, timingSafeEqual } from "node:crypto";

// PKCE as Xero documents it: a verifier of 43–128 characters from [A-Za-z0-9-._~], a challenge that is the base64url
// SHA-256 of it (S256), checked when the code is exchanged.
// https://developer.xero.com/documentation/guides/oauth2/pkce-flow/ and RFC 7636 §4.

export type ChallengeMethod = "S256" | "plain";

const verifierPattern = /^[A-Za-z0-9\-._~]{43,128}$/;

export function isValidChallenge(challenge: string): boolean {
  return verifierPattern.test(challenge);
}

export function toCodeChallenge(verifier: string, method: ChallengeMethod = "S256"): string {
  return method === "plain" ? verifier : createHash("sha256").update(verifier).digest("base64url");
}

export function verifyCodeVerifier(verifier: string | undefined, challenge: string, method: ChallengeMethod): boolean {
  if (verifier === undefined || !verifierPattern.test(verifier)) return false;
  const expected = Buffer.from(challenge);
  const actual = Buffer.from(toCodeChallenge(verifier, method));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
