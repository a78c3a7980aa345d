import { escapeHtml, html, renderErrorPage } from "../../../src/xero/identity/html";
import { parseBasicAuth } from "../../../src/xero/identity/http";
import { toCodeChallenge, verifyCodeVerifier } from "../../../src/xero/identity/pkce";
import { needsOrganisation, parseScopes } from "../../../src/xero/identity/scopes";

describe("identity building blocks", () => {
  it("computes the S256 challenge of RFC 7636's own example and checks verifiers", () => {
    const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    expect(toCodeChallenge(verifier)).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    expect(verifyCodeVerifier(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "S256")).toBe(true);
    expect(verifyCodeVerifier(`${verifier}x`, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "S256")).toBe(false);
    expect(verifyCodeVerifier("short", "short", "plain")).toBe(false);
  });

  it("escapes every interpolated value and passes nested fragments through", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    const name = `"><script>alert(1)</script>`;
    expect(html`<p title="${name}">${[html`<b>${name}</b>`, "&"]}</p>`.value).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"><b>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</b>&amp;</p>',
    );
    expect(renderErrorPage("<x>", "y")).toContain("&lt;x&gt;");
  });

  it("parses scopes, refusing unknown and broad ones for new apps", () => {
    expect(parseScopes("openid  offline_access openid", { allowBroadScopes: false })).toStrictEqual({
      ok: true,
      scopes: ["openid", "offline_access"],
    });
    expect(parseScopes("", { allowBroadScopes: false }).ok).toBe(false);
    expect(parseScopes("accounting.transactions", { allowBroadScopes: false }).ok).toBe(false);
    expect(parseScopes("accounting.transactions", { allowBroadScopes: true }).ok).toBe(true);
    expect(needsOrganisation(["openid", "email"])).toBe(false);
    expect(needsOrganisation(["openid", "accounting.contacts"])).toBe(true);
  });

  it("reads HTTP Basic client credentials, form-decoded as RFC 6749 asks", () => {
    const header = `Basic ${Buffer.from("client%3Aid:se%2Bcret").toString("base64")}`;
    expect(parseBasicAuth(header)).toStrictEqual({ clientId: "client:id", clientSecret: "se+cret" });
    expect(parseBasicAuth("Bearer x")).toBeUndefined();
    expect(parseBasicAuth(undefined)).toBeUndefined();
  });
});
