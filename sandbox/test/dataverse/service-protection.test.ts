import type { TestOrg } from "./helpers";
import { errorOf, startTestOrg } from "./helpers";

describe("service protection", () => {
  let t: TestOrg;
  beforeAll(async () => {
    t = await startTestOrg({ serviceProtection: { requestsPer5Min: 3 } });
  });
  afterAll(async () => {
    await t.dv.stop();
  });

  it("answers 429 with Retry-After and 0x80072322 past the budget, per organisation, until the window moves", async () => {
    for (let index = 0; index < 3; index += 1) expect((await t.api("accounts")).status).toBe(200);
    t.clock.advance(60_000);
    const throttled = await t.api("accounts");
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("240");
    expect(await errorOf(throttled)).toStrictEqual({
      code: "0x80072322",
      message: "Number of requests exceeded the limit of 3 over time window of 300 seconds.",
    });
    const other = t.dv.createOrganisation("other");
    const token = t.dv.issueAccessToken(other);
    expect((await fetch(`${other.webApiUrl}accounts`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(
      200,
    );
    t.clock.advance(240_000);
    expect((await t.api("accounts")).status).toBe(200);
    expect(t.dv.requestCount(t.org)).toBe(5);
  });
});
