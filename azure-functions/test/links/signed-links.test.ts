import type { Azurite } from "../../../sandbox/src/azurite";
import { createLinkStore } from "../../src/links/link-store";
import { checkLinkToken, explainRefusal, linkRefusals, parseDuration, toLinkToken } from "../../src/links/signed-links";
import { ManualClock } from "../../src/core/clock";
import { freshTable, startStorage } from "../support/storage";

const key = "a-link-signing-key-of-at-least-32-characters";
const now = Date.UTC(2026, 6, 1);
const payload = { v: 1 as const, id: "abcdefghijklmnopqrstuv", kind: "xero" as const, connectionId: "c1", exp: now + 3_600_000 };

describe("link tokens", () => {
  it("verifies a genuine token", () => {
    expect(checkLinkToken(toLinkToken(payload, key), key, now)).toStrictEqual({ ok: true, payload });
  });

  it("refuses tampered, malformed, expired and wrong-kind tokens", () => {
    const token = toLinkToken(payload, key);
    const [encoded, signature] = token.split(".") as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...payload, connectionId: "someone-else" })).toString("base64url");
    expect(checkLinkToken(`${forged}.${signature}`, key, now)).toStrictEqual({ ok: false, reason: "tampered" });
    expect(checkLinkToken(`${encoded}.${signature.slice(0, -2)}xx`, key, now)).toStrictEqual({ ok: false, reason: "tampered" });
    expect(checkLinkToken(toLinkToken(payload, "another-key-another-key-another-key"), key, now)).toStrictEqual({ ok: false, reason: "tampered" });
    expect(checkLinkToken("garbage", key, now)).toStrictEqual({ ok: false, reason: "malformed" });
    expect(checkLinkToken(token, key, payload.exp)).toStrictEqual({ ok: false, reason: "expired" });
    expect(checkLinkToken(token, key, now, "dynamics")).toStrictEqual({ ok: false, reason: "wrong-kind" });
  });

  it("parses durations", () => {
    expect([parseDuration("72h"), parseDuration("30m"), parseDuration("7d"), parseDuration("90s")]).toStrictEqual([259_200_000, 1_800_000, 604_800_000, 90_000]);
    expect(() => parseDuration("soon")).toThrow(RangeError);
  });

  it("explains every refusal", () => {
    for (const reason of linkRefusals) {
      const explanation = explainRefusal(reason);
      expect(explanation.title.length).toBeGreaterThan(0);
      expect(explanation.action.length).toBeGreaterThan(0);
    }
    expect(explainRefusal("used").title).toBe("This link has already been used");
  });
});

describe("link store (Azurite)", () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startStorage();
  });
  afterAll(async () => {
    await azurite.stop();
  });

  it("issues a URL that opens, is used once, and then explains itself", async () => {
    const clock = new ManualClock(now);
    const store = createLinkStore(await freshTable(azurite, "links"), { signingKey: key, publicBaseUrl: "http://127.0.0.1:7071/", clock });
    const link = await store.issue({ kind: "dynamics", connectionId: "c1", lifetimeMs: parseDuration("72h"), issuedBy: "support" });
    expect(link.url).toBe(`http://127.0.0.1:7071/api/onboarding/dynamics?token=${encodeURIComponent(link.token)}`);
    expect(link.expiresAt).toStrictEqual(new Date(now + 72 * 3_600_000));
    expect(await store.open(link.token, "dynamics")).toMatchObject({ ok: true, link: { connectionId: "c1", kind: "dynamics" } });
    expect(await store.open(link.token, "dynamics")).toMatchObject({ ok: true });
    const consumers = await Promise.all(Array.from({ length: 5 }, () => store.consume(link.token, "dynamics")));
    expect(consumers.filter((result) => result.ok)).toHaveLength(1);
    expect(await store.open(link.token)).toStrictEqual({ ok: false, reason: "used" });
  });

  it("expires by the clock, and withdrawn links are refused", async () => {
    const clock = new ManualClock(now);
    const store = createLinkStore(await freshTable(azurite, "links"), { signingKey: key, publicBaseUrl: "http://x", clock });
    const link = await store.issue({ kind: "xero", connectionId: "c2", lifetimeMs: 60_000 });
    const other = await store.issue({ kind: "xero", connectionId: "c2", lifetimeMs: 3_600_000 });
    clock.advance(60_000);
    expect(await store.consume(link.token)).toStrictEqual({ ok: false, reason: "expired" });
    expect(await store.revokeForConnection("c2", "xero")).toBe(2);
    expect(await store.open(other.token)).toStrictEqual({ ok: false, reason: "revoked" });
    await expect(store.issue({ kind: "xero", connectionId: "c2", lifetimeMs: 31 * 86_400_000 })).rejects.toMatchObject({ kind: "validation" });
  });
});
