import { decryptSecret, encryptSecret, generateKey, keyIdOf, needsReencryption, reencryptSecret, type KeyRing } from "../../src/security/encryption";
import { safeEqual, signHmacSha256, verifyHmacSha256 } from "../../src/security/hmac";
import { SyncError } from "../../src/core/errors";

const k1 = Buffer.from(generateKey(), "base64");
const k2 = Buffer.from(generateKey(), "base64");
const oldRing: KeyRing = { currentKeyId: "k1", keys: new Map([["k1", k1]]) };
const rotated: KeyRing = { currentKeyId: "k2", keys: new Map([["k1", k1], ["k2", k2]]) };

describe("encryption", () => {
  it("round-trips and never repeats a ciphertext", () => {
    const a = encryptSecret(oldRing, "refresh-token-value", "connections/c1/tokenSet");
    const b = encryptSecret(oldRing, "refresh-token-value", "connections/c1/tokenSet");
    expect(a).not.toBe(b);
    expect(a).not.toContain("refresh-token-value");
    expect(decryptSecret(oldRing, a, "connections/c1/tokenSet")).toBe("refresh-token-value");
    expect(keyIdOf(a)).toBe("k1");
  });

  it("refuses a value moved to another row, a tampered value, or an unknown key", () => {
    const value = encryptSecret(oldRing, "secret", "connections/c1/clientSecret");
    expect(() => decryptSecret(oldRing, value, "connections/c2/clientSecret")).toThrow(SyncError);
    const parts = value.split(".");
    const data = Buffer.from(parts[4] ?? "", "base64url");
    data[0] = (data[0] ?? 0) ^ 1;
    parts[4] = data.toString("base64url");
    expect(() => decryptSecret(oldRing, parts.join("."), "connections/c1/clientSecret")).toThrow(/integrity/);
    expect(() => decryptSecret({ currentKeyId: "k2", keys: new Map([["k2", k2]]) }, value, "connections/c1/clientSecret")).toThrow(/no encryption key with id k1/);
  });

  it("rotates: the old key decrypts, the new one re-encrypts", () => {
    const old = encryptSecret(oldRing, "s", "aad");
    expect(needsReencryption(rotated, old)).toBe(true);
    const renewed = reencryptSecret(rotated, old, "aad");
    expect(keyIdOf(renewed)).toBe("k2");
    expect(needsReencryption(rotated, renewed)).toBe(false);
    expect(decryptSecret(rotated, renewed, "aad")).toBe("s");
  });
});

describe("hmac", () => {
  it("signs and verifies in constant time", () => {
    const signature = signHmacSha256("key", "payload");
    expect(verifyHmacSha256("key", "payload", signature)).toBe(true);
    expect(verifyHmacSha256("key", "payload!", signature)).toBe(false);
    expect(safeEqual("a", "ab")).toBe(false);
    // RFC 4231 test case 2
    expect(signHmacSha256("Jefe", "what do ya want for nothing?", "hex")).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });
});
