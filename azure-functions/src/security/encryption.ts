// Secrets at rest (Xero token sets, Dataverse client secrets): AES-256-GCM with a random 96-bit IV per value, the key
// id stored with each ciphertext so keys can rotate, and associated data binding a ciphertext to its row and field
// (a value copied into another row does not decrypt). NIST SP 800-38D; Node: https://nodejs.org/api/crypto.html#class-cipher
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { SyncError } from "../core/errors";

export interface KeyRing {
  /** The key new values are encrypted with. */
  currentKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

const version = "v1";
const ivLength = 12;

const toBase64Url = (buffer: Buffer): string => buffer.toString("base64url");
const fromBase64Url = (text: string): Buffer => Buffer.from(text, "base64url");

function keyFor(ring: KeyRing, keyId: string): Buffer {
  const key = ring.keys.get(keyId);
  if (key === undefined) throw new SyncError(`no encryption key with id ${keyId} is configured`, { kind: "config" });
  if (key.length !== 32) throw new SyncError(`encryption key ${keyId} is not 256 bits`, { kind: "config" });
  return key;
}

/** `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). */
export function encryptSecret(ring: KeyRing, plaintext: string, associatedData: string): string {
  const key = keyFor(ring, ring.currentKeyId);
  const iv = randomBytes(ivLength);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(associatedData, "utf8"));
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [version, ring.currentKeyId, toBase64Url(iv), toBase64Url(cipher.getAuthTag()), toBase64Url(data)].join(".");
}

export function keyIdOf(ciphertext: string): string | undefined {
  const parts = ciphertext.split(".");
  return parts[0] === version ? parts[1] : undefined;
}

export function decryptSecret(ring: KeyRing, ciphertext: string, associatedData: string): string {
  const parts = ciphertext.split(".");
  const [marker, keyId, iv, tag, data] = parts;
  if (parts.length !== 5 || marker !== version || keyId === undefined || iv === undefined || tag === undefined || data === undefined) {
    throw new SyncError("a stored secret is not in the expected format", { kind: "config" });
  }
  const decipher = createDecipheriv("aes-256-gcm", keyFor(ring, keyId), fromBase64Url(iv));
  decipher.setAAD(Buffer.from(associatedData, "utf8"));
  decipher.setAuthTag(fromBase64Url(tag));
  try {
    return Buffer.concat([decipher.update(fromBase64Url(data)), decipher.final()]).toString("utf8");
  } catch {
    throw new SyncError("a stored secret failed its integrity check (wrong key, wrong row, or tampered)", { kind: "config" });
  }
}

/** Whether a value should be re-encrypted because it was written with an older key. */
export function needsReencryption(ring: KeyRing, ciphertext: string): boolean {
  return keyIdOf(ciphertext) !== ring.currentKeyId;
}

/** Decrypt with whichever key wrote it, encrypt with the current key. */
export function reencryptSecret(ring: KeyRing, ciphertext: string, associatedData: string): string {
  return encryptSecret(ring, decryptSecret(ring, ciphertext, associatedData), associatedData);
}

/** A fresh random key (base64), e.g. for `XC_ENCRYPTION_KEYS`. */
export function generateKey(): string {
  return randomBytes(32).toString("base64");
}
