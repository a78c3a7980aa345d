// The delegated membership check with a recorded fetch: the exact requests (WhoAmI, then the user's roles through
// systemuserroles_association, with the person's bearer token), and what each answer means.
import { readEnvironmentMembership } from "../../../src/adapters/dataverse/sign-in";

const environmentUrl = "https://contoso.crm.dynamics.com/";
const userId = "6d9f1b2a-0000-4000-8000-0000000000a1";

function fakeFetch(answers: Array<{ status: number; body: unknown }>): {
  fetch: typeof fetch;
  requests: Array<{ url: string; authorization: string | null }>;
} {
  const requests: Array<{ url: string; authorization: string | null }> = [];
  const fetcher: typeof fetch = (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    requests.push({ url, authorization: new Headers(init?.headers).get("authorization") });
    const answer = answers.shift() ?? { status: 500, body: {} };
    return Promise.resolve(new Response(JSON.stringify(answer.body), { status: answer.status }));
  };
  return { fetch: fetcher, requests };
}

describe("readEnvironmentMembership", () => {
  it("asks WhoAmI, then the user's roles, as the signed-in person", async () => {
    const fake = fakeFetch([
      { status: 200, body: { UserId: userId.toUpperCase(), BusinessUnitId: "b", OrganizationId: "o" } },
      {
        status: 200,
        body: {
          fullname: "Avery Admin",
          systemuserroles_association: [{ name: "Salesperson" }, { name: "System Administrator" }],
        },
      },
    ]);
    expect(await readEnvironmentMembership(environmentUrl, "delegated-token", { fetch: fake.fetch })).toStrictEqual({
      ok: true,
      systemUserId: userId,
      roles: ["Salesperson", "System Administrator"],
      isAdministrator: true,
    });
    expect(fake.requests).toStrictEqual([
      { url: "https://contoso.crm.dynamics.com/api/data/v9.2/WhoAmI", authorization: "Bearer delegated-token" },
      {
        url: `https://contoso.crm.dynamics.com/api/data/v9.2/systemusers(${userId})?$select=fullname&$expand=${encodeURIComponent("systemuserroles_association($select=name)")}`,
        authorization: "Bearer delegated-token",
      },
    ]);
  });

  it("tells a person who is not a user, a user without the role, one who may not even read users, and silence apart", async () => {
    const notMember = fakeFetch([
      {
        status: 403,
        body: { error: { code: "0x80072560", message: "The user is not a member of the organization." } },
      },
    ]);
    expect(await readEnvironmentMembership(environmentUrl, "t", { fetch: notMember.fetch })).toStrictEqual({
      ok: false,
      problem: "not-a-user",
    });
    expect(notMember.requests).toHaveLength(1);
    const sales = fakeFetch([
      { status: 200, body: { UserId: userId } },
      { status: 200, body: { fullname: "Sam", systemuserroles_association: [{ name: "Salesperson" }] } },
    ]);
    expect(await readEnvironmentMembership(environmentUrl, "t", { fetch: sales.fetch })).toMatchObject({
      ok: true,
      isAdministrator: false,
    });
    const noRead = fakeFetch([
      { status: 200, body: { UserId: userId } },
      { status: 403, body: { error: { code: "0x80040220", message: "missing prvReadUser" } } },
    ]);
    expect(await readEnvironmentMembership(environmentUrl, "t", { fetch: noRead.fetch })).toStrictEqual({
      ok: true,
      systemUserId: userId,
      roles: [],
      isAdministrator: false,
    });
    const broken = fakeFetch([{ status: 503, body: {} }]);
    expect(await readEnvironmentMembership(environmentUrl, "t", { fetch: broken.fetch })).toStrictEqual({
      ok: false,
      problem: "unreachable",
    });
    const notGuid = fakeFetch([{ status: 200, body: { UserId: "x) or 1 eq 1" } }]);
    expect(await readEnvironmentMembership(environmentUrl, "t", { fetch: notGuid.fetch })).toStrictEqual({
      ok: false,
      problem: "unreachable",
    });
    expect(notGuid.requests).toHaveLength(1);
  });
});
