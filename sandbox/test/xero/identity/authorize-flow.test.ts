import {
  authorizeUrl,
  basicClient,
  connectWithPkce,
  decodeJwt,
  getConnections,
  newVerifier,
  openConsent,
  postConsent,
  postToken,
  redirectUri,
  startHarness,
  tenants,
  type Harness,
} from "./helpers";
import { connectionsValidator } from "./identity-spec";

const scope = "offline_access accounting.invoices accounting.payments accounting.contacts accounting.settings";
const [demo, harbour] = tenants;

describe("Xero identity: authorize page and authorization code flow", () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await harness.server.stop();
  });

  const consentUrl = (overrides: Record<string, string> = {}, challenge = newVerifier().challenge): string =>
    authorizeUrl(harness.server.url, {
      response_type: "code",
      client_id: harness.app.clientId,
      redirect_uri: redirectUri,
      scope,
      state: "csrf-123",
      code_challenge: challenge,
      code_challenge_method: "S256",
      ...overrides,
    });

  it("shows a consent screen with the app, the scopes in words and every organisation, escaped", async () => {
    const page = await openConsent(consentUrl());
    expect(page.status).toBe(200);
    expect(page.html).toContain("Xero Connector for Dynamics 365 wants access to your Xero account");
    expect(page.html).toContain("View and manage your invoices, credit notes, quotes and purchase orders");
    expect(page.html).toContain('id="allow-access"');
    expect(page.html).toContain(">Allow access</button>");
    expect(page.html).toContain('id="cancel"');
    expect(page.tenantValues).toStrictEqual([demo.tenantId, harbour.tenantId]);
    expect(page.html).toContain("Harbour &amp; Sons &lt;Ltd&gt;");
    expect(page.html).not.toContain("<Ltd>");
  });

  it("walks the whole PKCE flow: state comes back, tokens are issued, /connections lists the chosen tenants per the spec", async () => {
    const { verifier, challenge } = newVerifier();
    const page = await openConsent(consentUrl({}, challenge));
    const consent = await postConsent(harness.server.url, {
      request: page.requestId ?? "",
      decision: "allow",
      tenantIds: [demo.tenantId, harbour.tenantId],
    });
    expect(consent.status).toBe(302);
    expect(consent.location?.origin + (consent.location?.pathname ?? "")).toBe(redirectUri);
    expect(consent.location?.searchParams.get("state")).toBe("csrf-123");
    expect(consent.location?.searchParams.get("scope")).toBe(scope);
    const code = consent.location?.searchParams.get("code") ?? "";
    expect(code.length).toBeGreaterThan(20);

    const token = await postToken(
      harness.server.url,
      { grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: verifier },
      basicClient(harness.app),
    );
    expect(token.status).toBe(200);
    expect(Object.keys(token.body).sort()).toStrictEqual([
      "access_token",
      "expires_in",
      "refresh_token",
      "scope",
      "token_type",
    ]);
    expect(token.body["expires_in"]).toBe(1800);
    expect(token.body["token_type"]).toBe("Bearer");

    const claims = decodeJwt(String(token.body["access_token"]));
    expect(claims).toMatchObject({
      iss: harness.server.url,
      aud: `${harness.server.url}/resources`,
      client_id: harness.app.clientId,
      xero_userid: harness.server.identity.user.userId,
      scope: scope.split(" "),
    });
    expect((claims["exp"] as number) - (claims["nbf"] as number)).toBe(1800);
    expect(typeof claims["authentication_event_id"]).toBe("string");

    const connections = await getConnections(harness.server.url, String(token.body["access_token"]));
    expect(connections.status).toBe(200);
    expect(connectionsValidator()(connections.body)).toStrictEqual([]);
    const list = connections.body as Record<string, string>[];
    expect(list.map((connection) => Object.keys(connection).sort())).toStrictEqual([
      ["authEventId", "createdDateUtc", "id", "tenantId", "tenantName", "tenantType", "updatedDateUtc"],
      ["authEventId", "createdDateUtc", "id", "tenantId", "tenantName", "tenantType", "updatedDateUtc"],
    ]);
    expect(
      list.map((connection) => [connection["tenantId"], connection["tenantName"], connection["tenantType"]]),
    ).toStrictEqual([
      [demo.tenantId, demo.name, "ORGANISATION"],
      [harbour.tenantId, harbour.name, "ORGANISATION"],
    ]);
    expect(list[0]?.["authEventId"]).toBe(claims["authentication_event_id"]);
    expect(list[0]?.["createdDateUtc"]).toBe("2026-01-01T00:00:00.0000000");

    const authority = harness.server.identity.authority.validateAccessToken(String(token.body["access_token"]));
    expect(authority).toStrictEqual({
      ok: true,
      userId: harness.server.identity.user.userId,
      tenantIds: [demo.tenantId, harbour.tenantId],
      scopes: scope.split(" "),
    });
  });

  it("connects only the organisations ticked", async () => {
    const tokens = await connectWithPkce(harness, [harbour.tenantId], scope);
    const check = harness.server.identity.authority.validateAccessToken(tokens.access_token);
    expect(check.ok && check.tenantIds).toStrictEqual([harbour.tenantId]);
  });

  it("issues an id_token, signed and bound to the client, when openid is asked", async () => {
    const tokens = await connectWithPkce(harness, [demo.tenantId], `openid profile email ${scope}`);
    expect(tokens.id_token).toBeDefined();
    const claims = decodeJwt(tokens.id_token ?? "");
    expect(claims).toMatchObject({
      aud: harness.app.clientId,
      iss: harness.server.url,
      email: "sandbox.user@example.com",
    });
    const jwks = (await (
      await fetch(new URL("/.well-known/openid-configuration/jwks", harness.server.url))
    ).json()) as {
      keys: { kid: string }[];
    };
    const header = JSON.parse(Buffer.from((tokens.id_token ?? "").split(".")[0] ?? "", "base64url").toString()) as {
      kid: string;
    };
    expect(jwks.keys.map((key) => key.kid)).toContain(header.kid);
  });

  it("redirects with access_denied and the state when the user cancels", async () => {
    const page = await openConsent(consentUrl());
    const consent = await postConsent(harness.server.url, { request: page.requestId ?? "", decision: "deny" });
    expect(consent.status).toBe(302);
    expect(consent.location?.searchParams.get("error")).toBe("access_denied");
    expect(consent.location?.searchParams.get("state")).toBe("csrf-123");
    expect(consent.location?.searchParams.has("code")).toBe(false);
    expect(harness.server.identity.stats()).toMatchObject({ consentsDenied: 1, consentsAllowed: 0 });
  });

  it("asks again when no organisation is ticked, and when the form names an unknown tenant", async () => {
    const page = await openConsent(consentUrl());
    const none = await postConsent(harness.server.url, { request: page.requestId ?? "", decision: "allow" });
    expect(none.status).toBe(200);
    expect(none.html).toContain("Select at least one organisation to connect.");
    const forged = await postConsent(harness.server.url, {
      request: page.requestId ?? "",
      decision: "allow",
      tenantIds: ["00000000-0000-0000-0000-000000000000"],
    });
    expect(forged.status).toBe(200);
    expect(forged.html).toContain('id="consent-error"');
  });

  it("shows an error page, not a redirect, for an unknown client or an unregistered redirect URI", async () => {
    const unknownClient = await fetch(consentUrl({ client_id: "NOPE" }), { redirect: "manual" });
    expect(unknownClient.status).toBe(400);
    expect(await unknownClient.text()).toContain("unauthorized_client");
    const badRedirect = await fetch(consentUrl({ redirect_uri: "https://attacker.example/cb" }), {
      redirect: "manual",
    });
    expect(badRedirect.status).toBe(400);
    expect(badRedirect.headers.get("location")).toBeNull();
    expect(await badRedirect.text()).toContain("Invalid redirect_uri");
  });

  it("redirects with invalid_scope for unknown scopes and for accounting.transactions on a new app", async () => {
    for (const bad of ["accounting.everything", "offline_access accounting.transactions"]) {
      const response = await fetch(consentUrl({ scope: bad }), { redirect: "manual" });
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get("location") ?? "");
      expect(location.searchParams.get("error")).toBe("invalid_scope");
      expect(location.searchParams.get("state")).toBe("csrf-123");
    }
  });

  it("requires a code challenge from a PKCE app and rejects an unsupported challenge method", async () => {
    const noChallenge = authorizeUrl(harness.server.url, {
      response_type: "code",
      client_id: harness.pkceApp.clientId,
      redirect_uri: redirectUri,
      scope,
    });
    const response = await fetch(noChallenge, { redirect: "manual" });
    expect(new URL(response.headers.get("location") ?? "").searchParams.get("error")).toBe("invalid_request");
    const badMethod = await fetch(consentUrl({ code_challenge_method: "S512" }), { redirect: "manual" });
    expect(new URL(badMethod.headers.get("location") ?? "").searchParams.get("error")).toBe("invalid_request");
  });

  describe("code exchange", () => {
    const consentFor = async (challenge: string): Promise<string> => {
      const page = await openConsent(consentUrl({}, challenge));
      const consent = await postConsent(harness.server.url, {
        request: page.requestId ?? "",
        decision: "allow",
        tenantIds: [demo.tenantId],
      });
      return consent.location?.searchParams.get("code") ?? "";
    };

    it("uses a code once only", async () => {
      const { verifier, challenge } = newVerifier();
      const code = await consentFor(challenge);
      const fields = { grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: verifier };
      expect((await postToken(harness.server.url, fields, basicClient(harness.app))).status).toBe(200);
      const again = await postToken(harness.server.url, fields, basicClient(harness.app));
      expect(again).toStrictEqual({ status: 400, body: { error: "invalid_grant" } });
    });

    it("refuses a wrong or missing code verifier, and the failed attempt spends the code", async () => {
      const { verifier, challenge } = newVerifier();
      const code = await consentFor(challenge);
      const exchange = (codeVerifier?: string): ReturnType<typeof postToken> =>
        postToken(
          harness.server.url,
          {
            grant_type: "authorization_code",
            code,
            redirect_uri: redirectUri,
            ...(codeVerifier === undefined ? {} : { code_verifier: codeVerifier }),
          },
          basicClient(harness.app),
        );
      expect(await exchange(newVerifier().verifier)).toStrictEqual({ status: 400, body: { error: "invalid_grant" } });
      expect(await exchange(verifier)).toStrictEqual({ status: 400, body: { error: "invalid_grant" } });

      const second = newVerifier();
      const fresh = await consentFor(second.challenge);
      const missing = await postToken(
        harness.server.url,
        { grant_type: "authorization_code", code: fresh, redirect_uri: redirectUri },
        basicClient(harness.app),
      );
      expect(missing).toStrictEqual({ status: 400, body: { error: "invalid_grant" } });
    });

    it("refuses a code after five minutes and a code sent with another redirect URI", async () => {
      const first = newVerifier();
      const late = await consentFor(first.challenge);
      harness.clock.advance(5 * 60_000);
      const expired = await postToken(
        harness.server.url,
        { grant_type: "authorization_code", code: late, redirect_uri: redirectUri, code_verifier: first.verifier },
        basicClient(harness.app),
      );
      expect(expired.body).toStrictEqual({ error: "invalid_grant" });

      const second = newVerifier();
      const code = await consentFor(second.challenge);
      const otherUri = await postToken(
        harness.server.url,
        {
          grant_type: "authorization_code",
          code,
          redirect_uri: "http://127.0.0.1:7071/api/other",
          code_verifier: second.verifier,
        },
        basicClient(harness.app),
      );
      expect(otherUri.body).toStrictEqual({ error: "invalid_grant" });
    });

    it("authenticates the client by Basic or by body, and refuses a wrong secret", async () => {
      const { verifier, challenge } = newVerifier();
      const code = await consentFor(challenge);
      const fields = { grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: verifier };
      const wrong = await postToken(harness.server.url, fields, { id: harness.app.clientId, secret: "not-the-secret" });
      expect(wrong).toStrictEqual({ status: 400, body: { error: "invalid_client" } });
      const inBody = await postToken(harness.server.url, {
        ...fields,
        client_id: harness.app.clientId,
        client_secret: harness.app.clientSecret ?? "",
      });
      expect(inBody.status).toBe(200);
    });

    it("lets a PKCE app exchange with its client id and verifier only", async () => {
      const { verifier, challenge } = newVerifier();
      const page = await openConsent(
        authorizeUrl(harness.server.url, {
          response_type: "code",
          client_id: harness.pkceApp.clientId,
          redirect_uri: redirectUri,
          scope,
          code_challenge: challenge,
          code_challenge_method: "S256",
        }),
      );
      const consent = await postConsent(harness.server.url, {
        request: page.requestId ?? "",
        decision: "allow",
        tenantIds: [demo.tenantId],
      });
      const token = await postToken(harness.server.url, {
        grant_type: "authorization_code",
        code: consent.location?.searchParams.get("code") ?? "",
        redirect_uri: redirectUri,
        code_verifier: verifier,
        client_id: harness.pkceApp.clientId,
      });
      expect(token.status).toBe(200);
    });

    it("answers unsupported_grant_type and invalid_request as Xero does", async () => {
      const client = basicClient(harness.app);
      expect((await postToken(harness.server.url, { grant_type: "password" }, client)).body).toStrictEqual({
        error: "unsupported_grant_type",
      });
      expect((await postToken(harness.server.url, {}, client)).body).toStrictEqual({ error: "invalid_request" });
      const json = await fetch(new URL("/connect/token", harness.server.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(json.status).toBe(400);
    });
  });
});
