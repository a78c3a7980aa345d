// Reading an environment's tenant from its bearer challenge: the header parser, and discoverTenant against small
// local servers that answer like Dataverse, like something else, or redirect.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { discoverTenant, fromBearerChallenge } from "../../../src/adapters/dataverse/discover-tenant";

const tenant = "0f0e0d0c-0000-4000-8000-000000000001";

describe("fromBearerChallenge", () => {
  const org = "https://contoso.crm.dynamics.com";

  it("takes the tenant from the authorization_uri of a challenge for this environment", () => {
    expect(
      fromBearerChallenge(
        `Bearer authorization_uri=https://login.microsoftonline.com/${tenant}/oauth2/authorize, resource_id=${org}/`,
        org,
      ),
    ).toBe(tenant);
    // Quoted values and another case for the scheme and tenant.
    expect(
      fromBearerChallenge(
        `bearer authorization_uri="https://login.microsoftonline.com/${tenant.toUpperCase()}/oauth2/authorize", resource_id="${org}"`,
        `${org}/`,
      ),
    ).toBe(tenant);
  });

  it("refuses a challenge for another resource, without a tenant GUID, or not a bearer challenge", () => {
    const challenge = (authorization: string, resource: string) =>
      `Bearer authorization_uri=${authorization}, resource_id=${resource}`;
    expect(
      fromBearerChallenge(
        challenge(`https://login.example/${tenant}/oauth2/authorize`, "https://other.crm.dynamics.com/"),
        org,
      ),
    ).toBeUndefined();
    expect(
      fromBearerChallenge(challenge("https://login.example/common/oauth2/authorize", `${org}/`), org),
    ).toBeUndefined();
    expect(fromBearerChallenge(challenge("not a url", `${org}/`), org)).toBeUndefined();
    expect(fromBearerChallenge(`Basic realm="x"`, org)).toBeUndefined();
    expect(fromBearerChallenge(null, org)).toBeUndefined();
  });
});

describe("discoverTenant", () => {
  let server: Server;
  let base: string;
  const seen: Array<{ url: string; authorization: string | undefined }> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push({ url: request.url ?? "", authorization: request.headers.authorization });
      const root = `${base}/${(request.url ?? "").split("/")[1] ?? ""}`;
      if (request.url?.startsWith("/org/")) {
        response.writeHead(401, {
          "WWW-Authenticate": `Bearer authorization_uri=http://127.0.0.1:1/${tenant}/oauth2/authorize, resource_id=${root}/`,
        });
        response.end();
      } else if (request.url?.startsWith("/redirect/")) {
        response.writeHead(302, { location: `${base}/org/api/data/v9.2/` });
        response.end();
      } else if (request.url?.startsWith("/liar/")) {
        // Claims to be another environment.
        response.writeHead(401, {
          "WWW-Authenticate": `Bearer authorization_uri=http://127.0.0.1:1/${tenant}/oauth2/authorize, resource_id=https://victim.crm.dynamics.com/`,
        });
        response.end();
      } else if (request.url?.startsWith("/broken/")) {
        response.writeHead(503);
        response.end();
      } else {
        response.writeHead(200, { "content-type": "text/html" });
        response.end("<html>a web site</html>");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("asks the Web API without a token and reads the tenant", async () => {
    expect(await discoverTenant(`${base}/org`)).toStrictEqual({ ok: true, tenantId: tenant });
    expect(seen.at(-1)).toStrictEqual({ url: "/org/api/data/v9.2/", authorization: undefined });
  });

  it("says what is wrong with an address that is not a Dataverse environment, and follows no redirect", async () => {
    expect(await discoverTenant(`${base}/site`)).toStrictEqual({ ok: false, problem: "not-dataverse" });
    const before = seen.length;
    expect(await discoverTenant(`${base}/redirect`)).toStrictEqual({ ok: false, problem: "not-dataverse" });
    expect(seen.length - before).toBe(1);
    expect(await discoverTenant(`${base}/liar`)).toStrictEqual({ ok: false, problem: "not-dataverse" });
    expect(await discoverTenant(`${base}/broken`)).toStrictEqual({ ok: false, problem: "unreachable" });
    expect(await discoverTenant("http://contoso.crm.dynamics.com")).toStrictEqual({ ok: false, problem: "bad-url" });
    expect(await discoverTenant("ftp://127.0.0.1/org")).toStrictEqual({ ok: false, problem: "bad-url" });
  });

  it("reports a host that does not answer as unreachable", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await discoverTenant(`http://127.0.0.1:${port}/org`)).toStrictEqual({ ok: false, problem: "unreachable" });
  });
});
