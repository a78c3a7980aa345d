// HMAC-SHA256 signing and constant-time comparison, shared by signed links and webhook checks.
import { createHmac, timingSafeEqual } from "node:crypto";

export function signHmacSha256(key: string | Buffer, data: string, encoding: "base64" | "base64url" | "hex" = "base64url"): string {
  return createHmac("sha256", key).update(data, "utf8").digest(encoding);
}

/** Compares in constant time (for equal lengths); differing lengths are simply unequal. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

export function verifyHmacSha256(key: string | Buffer, data: string, signature: string, encoding: "base64" | "base64url" | "hex" = "base64url"): boolean {
  return safeEqual(signHmacSha256(key, data, encoding), signature);
}
