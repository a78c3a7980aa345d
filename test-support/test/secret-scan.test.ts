// The check itself: known secrets at any offset (the sampled index must miss none), the forbidden shapes, and a
// report that does not repeat what it found.
import fc from "fast-check";
import { createSecretIndex, findForbiddenShape, scanText, scanTexts } from "../secret-scan";

const tokenChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
const token = (min: number, max: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...tokenChars), minLength: min, maxLength: max });

describe("createSecretIndex", () => {
  it("finds a known secret of any length from 8 at any offset of any text", () => {
    fc.assert(
      fc.property(token(8, 60), fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (secret, before, after) => {
        const index = createSecretIndex([secret]);
        expect(index.find(`${before}${secret}${after}`)).toBe(secret);
      }),
      { numRuns: 500 },
    );
  });

  it("finds nothing in a text that does not hold the secret, even one sharing its start or end", () => {
    const secret = "eyJhbGciOiJSUzI1NiJ9.payload.signature-0123456789";
    const index = createSecretIndex([secret, "short-1234"]);
    expect(index.find("eyJhbGciOiJSUzI1NiJ9.payload.signature-012345678X")).toBeUndefined();
    expect(index.find("Xyload.signature-0123456789 and short-123")).toBeUndefined();
    expect(index.find("connection c1 connected")).toBeUndefined();
  });

  it("tells apart many tokens with the same first characters (JWT headers)", () => {
    const header = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9";
    const secrets = Array.from({ length: 500 }, (_, n) => `${header}.body${n}.sig${n.toString(16).padStart(12, "0")}`);
    const index = createSecretIndex(secrets);
    expect(index.size).toBe(500);
    expect(index.find(`Authorization: ${secrets[321]}`)).toBe(secrets[321]);
    expect(index.find(`${header}.body321.sig000000000142`)).toBeUndefined();
  });

  it("ignores values shorter than 8 characters and masks every occurrence of every secret", () => {
    const index = createSecretIndex(["abc1234", "opaque-refresh-value-123", "client-secret-9"]);
    expect(index.size).toBe(2);
    expect(index.find("abc1234 abc1234")).toBeUndefined();
    expect(index.mask("a opaque-refresh-value-123 b client-secret-9 c opaque-refresh-value-123")).toBe(
      "a [secret] b [secret] c [secret]",
    );
  });
});

describe("findForbiddenShape", () => {
  it.each([
    ["bearer token", "Authorization: Bearer abcdefgh12345678"],
    ["JSON Web Token", "token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"],
    ["authorization code", "GET /api/xero/callback?code=abcdef123&state=x"],
    ["refresh token", 'body {"refresh_token":"0123abcd"}'],
    ["client secret", "grant_type=client_credentials&client_secret=s3cr3tvalue"],
  ])("finds a %s", (name, text) => {
    expect(findForbiddenShape(text)?.name).toBe(name);
  });

  it.each([
    "Authorization: Bearer [redacted]",
    "GET /api/xero/callback?code=[redacted]&state=[redacted]",
    'body {"refresh_token":"[redacted]"}',
    "client_secret=[redacted]",
    "connection c1 connected; 3 invoices pushed",
  ])("accepts what the redactor leaves: %s", (text) => {
    expect(findForbiddenShape(text)).toBeUndefined();
  });
});

describe("scanText / scanTexts", () => {
  it("reports a known secret with its source, masked", () => {
    const secret = "opaque-refresh-value-123";
    const finding = scanText(`refreshed with ${secret} at noon`, "console.log", createSecretIndex([secret]));
    expect(finding).toStrictEqual({
      reason: "known secret",
      source: "console.log",
      excerpt: "refreshed with [secret] at noon",
    });
  });

  it("reports a shape with the shape masked", () => {
    const finding = scanText("GET /cb?code=abcdef123 200", "stdout", createSecretIndex([]));
    expect(finding?.reason).toBe("authorization code");
    expect(finding?.excerpt).not.toContain("abcdef123");
  });

  it("gives one finding per text that holds one", () => {
    const findings = scanTexts(
      [
        { source: "a", text: "clean" },
        { source: "b", text: "value s3cr3t-value-abc" },
        { source: "c", text: "Bearer abcdefgh12345678" },
      ],
      ["s3cr3t-value-abc"],
    );
    expect(findings.map((finding) => [finding.source, finding.reason])).toStrictEqual([
      ["b", "known secret"],
      ["c", "bearer token"],
    ]);
  });
});
