// The sign-in callback with ID tokens it must refuse, end to end over the emulators: a fetch in front of the Entra
// stand-in swaps the ID token the code redemption returns (and the tenant's JWKS, to hold a key this test controls)
// for one with a bad signature, another audience, another nonce, an expired one, or another tenant's. Each gets the
// generic "could not be verified" page (another tenant: "Signed in to a different directory"), its reason in the log
// and never the token, nothing stored and no consent page.
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { createOnboarding, type Onboarding, type PageAnswer } from "../../src/onboarding/onboarding";
import { findSecretsInLogs } from "../support/log-scan";
import { rememberSecrets } from "../support/log-capture";
import { cookieOf, signIn, startHarness, type Harness } from "./harness";

const textOf = (answer: PageAnswer): string => answer.page?.html ?? "";
const json = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

function newKey(kid: string): { privateKey: KeyObject; jwk: Record<string, string> } {
  const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const exported = pair.publicKey.export({ format: "jwk" });
  return {
    privateKey: pair.privateKey,
    jwk: { kty: "RSA", use: "sig", kid, n: String(exported.n), e: String(exported.e) },
  };
}

const ours = newKey("test-key");
const stranger = newKey("test-key");

describe("the sign-in callback refuses ID tokens that do not verify (Azurite, the Xero and Dataverse emulators)", () => {
  let h: Harness;
  /** Claims to change in the next ID token, and the key to sign it with. */
  let tamper: { claims: (real: Record<string, unknown>) => Record<string, unknown>; key: KeyObject } | undefined;
  let onboarding: Onboarding;

  beforeAll(async () => {
    h = await startHarness();
    const swapping: typeof fetch = async (input, init) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      const response = await fetch(input, init);
      if (tamper === undefined) return response;
      if (url.endsWith("/discovery/v2.0/keys"))
        return new Response(JSON.stringify({ keys: [ours.jwk] }), { status: 200 });
      if (
        !url.endsWith("/oauth2/v2.0/token") ||
        !(typeof init?.body === "string" ? init.body : "").includes("grant_type=authorization_code")
      )
        return response;
      const body = (await response.json()) as Record<string, string>;
      const real = JSON.parse(
        Buffer.from((body["id_token"] ?? "").split(".")[1] ?? "", "base64url").toString(),
      ) as Record<string, unknown>;
      const input64 = `${json({ typ: "JWT", alg: "RS256", kid: "test-key" })}.${json(tamper.claims(real))}`;
      const idToken = `${input64}.${sign("RSA-SHA256", Buffer.from(input64), tamper.key).toString("base64url")}`;
      rememberSecrets(idToken);
      return new Response(JSON.stringify({ ...body, id_token: idToken }), { status: 200 });
    };
    onboarding = createOnboarding({
      config: h.config,
      links: h.links,
      connections: h.connections,
      vault: h.vault,
      queue: h.queue,
      scopes: h.scopes,
      clock: h.clock,
      logger: h.logger,
      fetch: swapping,
    });
  });

  afterAll(async () => {
    await h?.stop();
  });

  async function signInWith(
    claims: (real: Record<string, unknown>) => Record<string, unknown>,
    key: KeyObject = ours.privateKey,
  ): Promise<{ answer: PageAnswer; connectionId: string }> {
    const dynamics = h.newDynamicsOrg();
    const link = await h.issueLink("dynamics");
    const start = await onboarding.startAppConsent({ token: link.token, environmentUrl: dynamics.org.url });
    const back = await signIn(start.location ?? "", dynamics.org.administrator.objectId);
    tamper = { claims, key };
    try {
      return { answer: await onboarding.completeSignIn(back, cookieOf(start)), connectionId: link.connectionId };
    } finally {
      tamper = undefined;
    }
  }

  it("accepts the emulator's claims re-signed with a key of the (swapped) JWKS: the harness itself is sound", async () => {
    const { answer } = await signInWith((real) => real);
    expect(answer.status).toBe(303);
    expect(answer.location).toContain("/v2.0/adminconsent?");
  });

  it.each([
    ["bad-signature", (real: Record<string, unknown>) => real, stranger.privateKey],
    ["wrong-audience", (real: Record<string, unknown>) => ({ ...real, aud: "another-app" }), ours.privateKey],
    ["wrong-nonce", (real: Record<string, unknown>) => ({ ...real, nonce: "replayed-nonce" }), ours.privateKey],
    [
      "wrong-issuer",
      (real: Record<string, unknown>) => ({ ...real, iss: "https://evil.example/v2.0" }),
      ours.privateKey,
    ],
    [
      "expired",
      (real: Record<string, unknown>) => ({ ...real, exp: Math.floor(h.clock.now() / 1000) - 301 }),
      ours.privateKey,
    ],
  ])(
    "refuses an ID token with %s: the generic page, the reason logged, nothing stored",
    async (reason, claims, key) => {
      const { answer, connectionId } = await signInWith(claims, key);
      expect(answer.status).toBe(400);
      expect(textOf(answer)).toContain("The sign-in could not be verified");
      expect(textOf(answer)).not.toContain(reason);
      expect(answer.location).toBeUndefined();
      expect(h.logger.entries.at(-1)).toMatchObject({
        level: "warn",
        message: "dynamics sign-in id token refused",
        data: expect.objectContaining({ reason }),
      });
      expect((await h.connections.require(connectionId)).dataverse).toBeNull();
    },
  );

  it("says so when the ID token is of another directory than the environment's", async () => {
    const other = "0f0e0d0c-0000-4000-8000-0000000000ee";
    const { answer, connectionId } = await signInWith((real) => ({
      ...real,
      tid: other,
      iss: `${h.dataverse.url}/${other}/v2.0`,
    }));
    expect(answer.status).toBe(403);
    expect(textOf(answer)).toContain("Signed in to a different directory");
    expect(answer.location).toBeUndefined();
    expect((await h.connections.require(connectionId)).dataverse).toBeNull();
  });

  it("wrote no code, token or secret into its log", () => {
    expect(findSecretsInLogs(h.logger.entries, [h.dynamicsApp.clientSecret])).toStrictEqual([]);
  });
});
