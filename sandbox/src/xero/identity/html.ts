// HTML is built only through the `html` tag below: every interpolated value is escaped unless it is already SafeHtml
// made by the same tag, so a client name or a state value can never inject markup.

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const entities: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (character) => entities[character] ?? character);
}

type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function toHtml(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(toHtml).join("");
  return escapeHtml(String(value));
}

/** Tagged template: `html\`<p>${name}</p>\`` escapes `name`; nested `html` fragments and arrays of them pass through. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, index) => {
    out += toHtml(value) + (strings[index + 1] ?? "");
  });
  return new SafeHtml(out);
}

const styles = `
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; background: #f4f6f8; color: #1e3145; margin: 0; }
header { background: #13b5ea; color: #fff; padding: 12px 24px; font-weight: 600; letter-spacing: 0.02em; }
main { max-width: 560px; margin: 32px auto; background: #fff; border-radius: 8px; padding: 24px 32px; box-shadow: 0 1px 4px rgba(0,0,0,.12); }
h1 { font-size: 1.35rem; margin-top: 0; }
ul.scopes li { margin: 4px 0; }
fieldset { border: 1px solid #d5dce3; border-radius: 6px; padding: 12px 16px; margin: 16px 0; }
legend { font-weight: 600; padding: 0 4px; }
label.organisation { display: block; padding: 6px 0; }
.note { color: #5a6b7b; font-size: 0.9rem; }
.error { color: #b00020; font-weight: 600; }
.actions { display: flex; gap: 12px; margin-top: 20px; }
button { font-size: 1rem; padding: 8px 20px; border-radius: 4px; cursor: pointer; border: 1px solid #13b5ea; }
button.primary { background: #13b5ea; color: #fff; }
button.secondary { background: #fff; color: #13b5ea; }
`;

export function renderPage(title: string, body: SafeHtml): string {
  return html`<!DOCTYPE html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <style>
          ${new SafeHtml(styles)}
        </style>
      </head>
      <body>
        <header>Xero (sandbox emulator)</header>
        <main>${body}</main>
      </body>
    </html> `.value;
}

export interface ConsentView {
  readonly requestId: string;
  readonly formAction: string;
  readonly appName: string;
  readonly userEmail: string;
  readonly scopes: readonly { scope: string; words: string }[];
  /** Empty when the scopes need no organisation (sign-in only). */
  readonly organisations: readonly { tenantId: string; name: string; connected: boolean }[];
  readonly needsOrganisation: boolean;
  readonly error?: string;
}

/**
 * The consent screen: app name, what it may do, which organisations to connect (several may be picked, as in Xero),
 * and the Allow access / Cancel buttons. Ids are stable for browser tests.
 */
export function renderConsentPage(view: ConsentView): string {
  const organisationPicker = view.needsOrganisation
    ? view.organisations.length === 0
      ? html`<p class="error" id="no-organisations">You have no Xero organisations to connect.</p>`
      : html`<fieldset id="organisations">
          <legend>Select the organisations to connect</legend>
          ${view.organisations.map(
            (organisation, index) =>
              html`<label class="organisation" for="${`tenant-${index}`}">
                <input
                  type="checkbox"
                  name="tenantId"
                  id="${`tenant-${index}`}"
                  value="${organisation.tenantId}"
                  ${view.organisations.length === 1 || organisation.connected ? html` checked` : html``}
                />
                ${organisation.name}${organisation.connected ? html` <span class="note">(already connected)</span>` : html``}
              </label> `,
          )}
        </fieldset>`
    : html``;
  return renderPage(
    `Connect ${view.appName} to Xero`,
    html`<h1 id="consent-title">${view.appName} wants access to your Xero account</h1>
      <p class="note">Signed in as <span id="user-email">${view.userEmail}</span></p>
      ${view.error === undefined ? html`` : html`<p class="error" id="consent-error" role="alert">${view.error}</p>`}
      <form method="post" action="${view.formAction}" id="consent-form">
        <input type="hidden" name="request" value="${view.requestId}" />
        <p>${view.appName} will be able to:</p>
        <ul class="scopes" id="scopes">
          ${view.scopes.map((scope) => html`<li data-scope="${scope.scope}">${scope.words}</li> `)}
        </ul>
        ${organisationPicker}
        <div class="actions">
          <button type="submit" class="primary" id="allow-access" name="decision" value="allow">Allow access</button>
          <button type="submit" class="secondary" id="cancel" name="decision" value="deny">Cancel</button>
        </div>
      </form>`,
  );
}

/** The page Xero shows when it cannot safely redirect back (unknown client, unregistered redirect URI). */
export function renderErrorPage(error: string, description: string): string {
  return renderPage(
    "Error",
    html`<h1>Sorry, something went wrong</h1>
      <p class="error" id="error-code">${error}</p>
      <p id="error-description">${description}</p>`,
  );
}
