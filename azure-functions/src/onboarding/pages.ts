// The onboarding pages. HTML is built only through the escaping `html` tag (security/html.ts): every customer- or
// Xero-supplied value (organisation names, URLs typed into the form) is escaped. Pages never echo a secret back.
import { html, type SafeHtml } from "../security/html";

const styles = html`<style>
  body {
    font:
      16px/1.5 "Segoe UI",
      system-ui,
      sans-serif;
    background: #f3f2f1;
    color: #201f1e;
    margin: 0;
  }
  header {
    background: #0b5394;
    color: #fff;
    padding: 14px 32px;
    font-weight: 600;
    letter-spacing: 0.02em;
  }
  main {
    max-width: 640px;
    margin: 32px auto;
    background: #fff;
    padding: 24px 32px 32px;
    border-radius: 6px;
    box-shadow: 0 1px 4px rgba(0, 0, 0, 0.12);
  }
  h1 {
    font-size: 24px;
    margin: 0 0 12px;
  }
  .steps {
    color: #605e5c;
    font-size: 14px;
    margin-bottom: 16px;
  }
  .steps b {
    color: #0b5394;
  }
  label {
    display: block;
    font-weight: 600;
    margin-top: 14px;
  }
  .hint {
    font-weight: 400;
    color: #605e5c;
    font-size: 13px;
  }
  input[type="text"],
  input[type="url"],
  input[type="password"] {
    width: 100%;
    box-sizing: border-box;
    padding: 8px;
    font-size: 15px;
    border: 1px solid #8a8886;
    border-radius: 3px;
  }
  .choice {
    display: flex;
    gap: 10px;
    align-items: center;
    padding: 10px;
    border: 1px solid #c8c6c4;
    border-radius: 4px;
    margin-top: 8px;
  }
  .choice label {
    margin: 0;
    font-weight: 400;
  }
  button {
    margin-top: 20px;
    background: #0b5394;
    color: #fff;
    border: 0;
    border-radius: 3px;
    padding: 10px 20px;
    font-size: 15px;
    cursor: pointer;
  }
  .problem {
    background: #fde7e9;
    border-left: 4px solid #a4262c;
    padding: 10px 14px;
    margin: 12px 0;
  }
  .ok {
    background: #dff6dd;
    border-left: 4px solid #107c10;
    padding: 10px 14px;
    margin: 12px 0;
  }
  dl {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 4px 16px;
  }
  dt {
    color: #605e5c;
  }
</style>`;

/** The frame every page shares. */
export function toPage(title: string, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>${title} · Xero Connector</title>
        ${styles}
      </head>
      <body>
        <header>Xero Connector for Dynamics 365</header>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`;
}

const steps = (current: 1 | 2 | 3): SafeHtml => {
  const names = ["Connect Xero", "Connect Dynamics 365", "First sync"];
  return html`<div class="steps">
    ${names.map((name, index) => (index + 1 === current ? html`<b>${index + 1}. ${name}</b> ` : html`${index + 1}. ${name} `))}
  </div>`;
};

/** A refused link or request: what happened and what to do. */
export function renderProblemPage(problem: { title: string; message: string; action: string }): SafeHtml {
  return toPage(
    problem.title,
    html`<p class="problem" role="alert">${problem.message}</p>
      <p>${problem.action}</p>`,
  );
}

export interface OrganisationOption {
  tenantId: string;
  tenantName: string;
}

/** Several Xero organisations were authorised: the customer picks the one this connection serves. */
export function renderOrganisationChoice(options: {
  action: string;
  organisations: readonly OrganisationOption[];
}): SafeHtml {
  const choices = options.organisations.map(
    (organisation, index) =>
      html`<div class="choice">
        <input
          type="radio"
          id="organisation-${index}"
          name="tenantId"
          value="${organisation.tenantId}"
          ${index === 0 ? html` checked` : html``}
        />
        <label for="organisation-${index}">${organisation.tenantName}</label>
      </div>`,
  );
  return toPage(
    "Choose the Xero organisation",
    html`${steps(1)}
      <p>
        You authorised more than one Xero organisation. Choose the one to connect to this Dynamics 365 environment now.
        Each organisation gets its own Xero Connector record; ask for another link to connect the next one.
      </p>
      <form method="post" action="${options.action}">
        ${choices}
        <button type="submit" id="connect-organisation">Connect this organisation</button>
      </form>`,
  );
}

export interface DynamicsFormValues {
  environmentUrl: string;
  tenantId: string;
  clientId: string;
}

/** The Dynamics 365 step: the environment and its application user's app registration. The secret is never echoed. */
export function renderDynamicsForm(options: {
  action: string;
  token: string;
  values: DynamicsFormValues;
  xeroOrganisation: string | undefined;
  problem?: { message: string; action: string };
}): SafeHtml {
  const { values } = options;
  return toPage(
    "Connect Dynamics 365",
    html`${steps(2)}${options.xeroOrganisation === undefined ? html`` : html`<p class="ok">Xero organisation <b>${options.xeroOrganisation}</b> is connected.</p>`}
      ${
        options.problem === undefined
          ? html``
          : html`<div class="problem" role="alert" id="problem">
              <p>${options.problem.message}</p>
              <p>${options.problem.action}</p>
            </div>`
      }
      <p>
        The service signs in to your environment as an <em>application user</em>: an app registration in Microsoft Entra
        ID added to the environment with the Xero Connector security role.
      </p>
      <form method="post" action="${options.action}" autocomplete="off">
        <input type="hidden" name="token" value="${options.token}" />
        <label for="environmentUrl"
          >Environment URL <span class="hint">e.g. https://contoso.crm.dynamics.com</span></label
        >
        <input type="url" id="environmentUrl" name="environmentUrl" required value="${values.environmentUrl}" />
        <label for="tenantId">Directory (tenant) ID</label>
        <input type="text" id="tenantId" name="tenantId" required value="${values.tenantId}" />
        <label for="clientId">Application (client) ID</label>
        <input type="text" id="clientId" name="clientId" required value="${values.clientId}" />
        <label for="clientSecret">Client secret <span class="hint">the secret's Value, not its ID</span></label>
        <input type="password" id="clientSecret" name="clientSecret" required />
        <button type="submit" id="connect-dynamics">Verify and connect</button>
      </form>`,
  );
}

export interface ConnectedSummary {
  xeroOrganisation: string;
  environmentUrl: string;
  connectorName: string;
  isDefault: boolean;
  solutionVersion: string | undefined;
  firstSync: readonly string[];
  realtime: "registered" | "not-enabled" | "not-available";
}

export function renderConnectedPage(summary: ConnectedSummary): SafeHtml {
  const realtime = {
    registered: "registered",
    "not-enabled": "off (turn it on in the connector to push invoices as they change)",
    "not-available": "enabled, registration pending",
  }[summary.realtime];
  return toPage(
    "You are connected",
    html`${steps(3)}
      <p class="ok" role="status" id="connected">Xero and Dynamics 365 are connected. The first sync has started.</p>
      <dl>
        <dt>Xero organisation</dt>
        <dd>${summary.xeroOrganisation}</dd>
        <dt>Dynamics 365</dt>
        <dd>${summary.environmentUrl}</dd>
        <dt>Xero Connector record</dt>
        <dd>${summary.connectorName}${summary.isDefault ? " (default)" : ""}</dd>
        <dt>Solution version</dt>
        <dd>${summary.solutionVersion ?? "installed (version not reported)"}</dd>
        <dt>Running now</dt>
        <dd>${summary.firstSync.join(", ")}</dd>
        <dt>Real-time add-on</dt>
        <dd>${realtime}</dd>
      </dl>
      <p>
        Open the Xero Connector app in Dynamics 365 to follow the first sync; the connector record shows the
        connection's health at any time.
      </p>`,
  );
}

/** One authorisation renewed on a connection that was already running. */
export function renderReauthorisedPage(summary: {
  step: "xero" | "dynamics";
  xeroOrganisation: string;
  environmentUrl: string;
  connectorName: string;
}): SafeHtml {
  const what = summary.step === "xero" ? summary.xeroOrganisation : `Dynamics 365 (${summary.environmentUrl})`;
  return toPage(
    summary.step === "xero" ? "Xero is reconnected" : "Dynamics 365 is reconnected",
    html`<p class="ok" role="status" id="connected">${what} is connected again.</p>
      <p>
        The Xero Connector record <b>${summary.connectorName}</b> shows Connected; synchronisation resumes on its next
        run.
      </p>`,
  );
}
