// The onboarding triggers' HTTP layer: the table entries, the cookie reader and the answer's headers.
import { HttpRequest, InvocationContext } from "@azure/functions";
import { SyncError } from "../../src/core/errors";
import { createFunctionTable } from "../../src/functions/index";
import { onboardingFunctions, readOnboardingCookie, toHttpResponse } from "../../src/functions/onboarding";
import { html } from "../../src/security/html";

describe("onboarding HTTP triggers", () => {
  it("are in the function table, anonymous, on the routes the links and the Xero app use", () => {
    const routes = createFunctionTable({})
      .filter((definition) => definition.kind === "http")
      .map((definition) =>
        definition.kind === "http"
          ? [definition.name, definition.route, definition.methods.join(","), definition.authLevel]
          : [],
      );
    expect(routes).toEqual(
      expect.arrayContaining([
        ["onboardingXero", "onboarding/xero", "GET", "anonymous"],
        ["xeroCallback", "xero/callback", "GET", "anonymous"],
        ["onboardingXeroOrganisation", "onboarding/xero/organisation", "POST", "anonymous"],
        ["onboardingXeroAnother", "onboarding/xero/another", "POST", "anonymous"],
        ["onboardingDynamics", "onboarding/dynamics", "GET,POST", "anonymous"],
        ["onboardingDynamicsConsent", "onboarding/dynamics/consent", "POST", "anonymous"],
        ["dynamicsSignInCallback", "dynamics/signin/callback", "GET", "anonymous"],
        ["dynamicsConsentCallback", "dynamics/consent/callback", "GET", "anonymous"],
        ["onboardingDynamicsConsentCheck", "onboarding/dynamics/consent/check", "POST", "anonymous"],
      ]),
    );
  });

  it("reads the onboarding cookie among others", () => {
    expect(readOnboardingCookie("a=1; xc_onboarding=eyJ2.abc_-; b=2")).toBe("eyJ2.abc_-");
    expect(readOnboardingCookie("a=1")).toBeUndefined();
    expect(readOnboardingCookie(null)).toBeUndefined();
    expect(readOnboardingCookie("xc_onboarding=x; xc_dynamics_consent=eyJ3.d", "xc_dynamics_consent")).toBe("eyJ3.d");
  });

  it("answers HTML that is never cached, framed or referred, with its redirect and cookies", () => {
    const response = toHttpResponse({
      status: 302,
      location: "https://login.example/authorize",
      page: html`<p>x</p>`,
      cookies: [
        {
          name: "xc_onboarding",
          value: "v",
          path: "/api/",
          maxAge: 1800,
          httpOnly: true,
          secure: true,
          sameSite: "Lax",
        },
      ],
    });
    expect(response).toMatchObject({
      status: 302,
      body: "<p>x</p>",
      headers: {
        location: "https://login.example/authorize",
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
        "x-frame-options": "DENY",
      },
      cookies: [expect.objectContaining({ name: "xc_onboarding", httpOnly: true, sameSite: "Lax" })],
    });
    expect(String((response.headers as Record<string, string>)["content-security-policy"])).toContain(
      "default-src 'none'",
    );
  });

  it("answers a page, not a bare error, when the service cannot be built, and logs why without the setting's value", async () => {
    const [start] = onboardingFunctions(() =>
      Promise.reject(new SyncError("invalid configuration: XC_LINK_SIGNING_KEY: Too small", { kind: "config" })),
    );
    const logged: unknown[] = [];
    const invocation = new InvocationContext({
      functionName: "onboardingXero",
      invocationId: "test",
      logHandler: (_level, ...args) => logged.push(...args),
    });
    const request = new HttpRequest({ url: "http://127.0.0.1:7071/api/onboarding/xero?token=abc.def", method: "GET" });
    const response = await start?.handler(request, invocation);
    expect(response).toMatchObject({ status: 500, headers: { "content-type": "text/html; charset=utf-8" } });
    expect(response?.body).toEqual(expect.stringContaining("Something went wrong"));
    expect(String(logged[0])).toContain("XC_LINK_SIGNING_KEY: Too small");
  });
});
