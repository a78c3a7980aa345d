// HTML is built only through this tagged template: every interpolated value is escaped unless it is already SafeHtml
// (a fragment built the same way). The onboarding pages use it.
// Escaping rules: https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html
declare const safeHtmlBrand: unique symbol;
export interface SafeHtml {
  readonly [safeHtmlBrand]: true;
  readonly html: string;
}

const replacements: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (character) => replacements[character] ?? character);
}

function isSafeHtml(value: unknown): value is SafeHtml {
  return typeof value === "object" && value !== null && "html" in value && Object.keys(value).length === 1;
}

type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return "";
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join("");
  if (isSafeHtml(value)) return value.html;
  if (typeof value === "object") throw new TypeError("only text, numbers and html fragments may be placed in HTML");
  return escapeHtml(String(value));
}

/** `html\`<p>${userText}</p>\`` — values escaped, nested `html` fragments and arrays of them kept. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let text = strings[0] ?? "";
  values.forEach((value, index) => {
    text += render(value) + (strings[index + 1] ?? "");
  });
  return { html: text } as SafeHtml;
}
