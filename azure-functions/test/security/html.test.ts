import { escapeHtml, html } from "../../src/security/html";
import { newPkcePair, toCodeChallenge } from "../../src/security/pkce";

describe("html", () => {
  it("escapes every interpolated value and keeps nested fragments", () => {
    const name = `Harbour & Sons <Ltd> "x" 'y'`;
    const items = ["<a>", "b"].map((item) => html`<li>${item}</li>`);
    expect(html`<p title="${name}">${name}</p><ul>${items}</ul>${null}${false}${3}`.html).toBe(
      "<p title=\"Harbour &amp; Sons &lt;Ltd&gt; &quot;x&quot; &#39;y&#39;\">Harbour &amp; Sons &lt;Ltd&gt; &quot;x&quot; &#39;y&#39;</p><ul><li>&lt;a&gt;</li><li>b</li></ul>3",
    );
    expect(escapeHtml("<script>alert(`1`)</script>")).toBe("&lt;script&gt;alert(&#96;1&#96;)&lt;/script&gt;");
  });

  it("does not trust look-alike objects", () => {
    const sneaky = { html: "<b>", extra: true } as unknown as string;
    expect(() => html`${sneaky}`).toThrow(TypeError);
  });
});

describe("pkce", () => {
  it("matches RFC 7636's example and makes fresh pairs", () => {
    expect(toCodeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    const pair = newPkcePair();
    expect(pair.verifier).toHaveLength(43);
    expect(toCodeChallenge(pair.verifier)).toBe(pair.challenge);
  });
});
