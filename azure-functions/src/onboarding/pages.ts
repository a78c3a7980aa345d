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
  .choice.connected {
    color: #605e5c;
    background: #f3f2f1;
  }
  .choice.connected .badge {
    background: #107c10;
    margin-left: auto;
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
  .option {
    border: 1px solid #c8c6c4;
    border-radius: 6px;
    padding: 4px 18px 18px;
    margin-top: 16px;
  }
  .option.recommended {
    border: 2px solid #0b5394;
  }
  .option h2 {
    font-size: 18px;
    margin: 12px 0 4px;
  }
  .badge {
    background: #0b5394;
    color: #fff;
    font-size: 12px;
    border-radius: 10px;
    padding: 2px 8px;
    margin-left: 6px;
    vertical-align: middle;
  }
  ol.todo li {
    margin: 6px 0;
  }
  code {
    background: #f3f2f1;
    padding: 1px 5px;
    border-radius: 3px;
    font-size: 14px;
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

/** A refused link or request: what happened and what to do (and, when there is one, the way back). */
export function renderProblemPage(problem: {
  title: string;
  message: string;
  action: string;
  next?: { href: string; label: string };
}): SafeHtml {
  return toPage(
    problem.title,
    html`<p class="problem" role="alert">${problem.message}</p>
      <p>${problem.action}</p>
      ${problem.next === undefined ? html`` : html`<p><a id="next-step" href="${problem.next.href}">${problem.next.label}</a></p>`}`,
  );
}

export interface OrganisationOption {
  tenantId: string;
  tenantName: string;
}

/**
 * Several Xero organisations were authorised: the customer picks the one this connection serves. Those already
 * connected in this Dynamics 365 environment (`connected`, by tenant id) are shown as such and cannot be picked: each
 * organisation has one connector per environment.
 */
export function renderOrganisationChoice(options: {
  action: string;
  organisations: readonly OrganisationOption[];
  connected?: ReadonlySet<string>;
}): SafeHtml {
  const isConnected = (organisation: OrganisationOption): boolean =>
    options.connected?.has(organisation.tenantId) === true;
  const firstOpen = options.organisations.findIndex((organisation) => !isConnected(organisation));
  const choices = options.organisations.map((organisation, index) =>
    isConnected(organisation)
      ? html`<div class="choice connected">
          <input
            type="radio"
            id="organisation-${index}"
            name="tenantId"
            value="${organisation.tenantId}"
            disabled
            aria-describedby="organisation-${index}-connected"
          />
          <label for="organisation-${index}">${organisation.tenantName}</label>
          <span class="badge" id="organisation-${index}-connected">connected</span>
        </div>`
      : html`<div class="choice">
          <input
            type="radio"
            id="organisation-${index}"
            name="tenantId"
            value="${organisation.tenantId}"
            ${index === firstOpen ? html` checked` : html``}
          />
          <label for="organisation-${index}">${organisation.tenantName}</label>
        </div>`,
  );
  const someConnected = options.organisations.some(isConnected);
  return toPage(
    "Choose the Xero organisation",
    html`${steps(1)}
      <p>
        You authorised more than one Xero organisation. Choose the one to connect to this Dynamics 365 environment now.
        Each organisation gets its own Xero Connector record; once connected, use
        <b>Connect another Xero organisation</b> to connect the next one.
      </p>
      ${
        someConnected
          ? html`<p class="hint" id="connected-note">
              Organisations marked <b>connected</b> already have a Xero Connector record in this environment.
            </p>`
          : html``
      }
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

/** The consent option of the Dynamics 365 page, when the service has its multi-tenant app configured. */
export interface AppConsentOption {
  action: string;
}

/**
 * The Dynamics 365 step. With the service's multi-tenant app configured, two ways: admin consent to the Xero
 * Connector app (recommended: only the environment URL, no secret to create or rotate), or the customer's own app
 * registration (tenant, client id, secret). The secret is never echoed.
 */
export function renderDynamicsForm(options: {
  action: string;
  token: string;
  values: DynamicsFormValues;
  xeroOrganisation: string | undefined;
  problem?: { message: string; action: string };
  appConsent?: AppConsentOption;
}): SafeHtml {
  const { values } = options;
  const signInLabel = `Sign in with your Microsoft 365 admin account${values.environmentUrl === "" ? "" : ` for ${values.environmentUrl}`}`;
  const ownApp = html`<form method="post" action="${options.action}" autocomplete="off">
    <input type="hidden" name="token" value="${options.token}" />
    <label for="environmentUrl">Environment URL <span class="hint">e.g. https://contoso.crm.dynamics.com</span></label>
    <input type="url" id="environmentUrl" name="environmentUrl" required value="${values.environmentUrl}" />
    <label for="tenantId">Directory (tenant) ID</label>
    <input type="text" id="tenantId" name="tenantId" required value="${values.tenantId}" />
    <label for="clientId">Application (client) ID</label>
    <input type="text" id="clientId" name="clientId" required value="${values.clientId}" />
    <label for="clientSecret">Client secret <span class="hint">the secret's Value, not its ID</span></label>
    <input type="password" id="clientSecret" name="clientSecret" required />
    <button type="submit" id="connect-dynamics">Verify and connect</button>
  </form>`;
  const problem =
    options.problem === undefined
      ? html``
      : html`<div class="problem" role="alert" id="problem">
          <p>${options.problem.message}</p>
          <p>${options.problem.action}</p>
        </div>`;
  const connected =
    options.xeroOrganisation === undefined
      ? html``
      : html`<p class="ok">Xero organisation <b>${options.xeroOrganisation}</b> is connected.</p>`;
  if (options.appConsent === undefined)
    return toPage(
      "Connect Dynamics 365",
      html`${steps(2)}${connected} ${problem}
        <p>
          The service signs in to your environment as an <em>application user</em>: an app registration in Microsoft
          Entra ID added to the environment with the Xero Connector security role.
        </p>
        ${ownApp}`,
    );
  return toPage(
    "Connect Dynamics 365",
    html`${steps(2)}${connected} ${problem}
      <p>The service signs in to your environment as an <em>application user</em>. Choose how.</p>
      <section class="option recommended" aria-labelledby="option-app">
        <h2 id="option-app">Connect with the Xero Connector app <span class="badge">Recommended</span></h2>
        <p>
          No secret to create or rotate. First sign in with your Microsoft 365 admin account: a System Administrator of
          the environment. If your directory has not approved the Xero Connector app yet, Microsoft then asks you (an
          Entra administrator) to approve it; then you add it to the environment as an application user (this page shows
          the steps).
        </p>
        <form method="post" action="${options.appConsent.action}" autocomplete="off">
          <input type="hidden" name="token" value="${options.token}" />
          <label for="consentEnvironmentUrl"
            >Environment URL <span class="hint">e.g. https://contoso.crm.dynamics.com</span></label
          >
          <input
            type="url"
            id="consentEnvironmentUrl"
            name="environmentUrl"
            required
            value="${values.environmentUrl}"
          />
          <button type="submit" id="connect-with-app">${signInLabel}</button>
        </form>
      </section>
      <section class="option" aria-labelledby="option-own">
        <h2 id="option-own">Use your own app registration</h2>
        <p>For organisations that manage their own app registration and its client secret.</p>
        ${ownApp}
      </section>`,
  );
}

/** What still stands between a consented app and a working connection. */
export type AppConsentGap =
  "no-application-user" | "missing-role" | "solution-missing" | "not-consented" | "unreachable";

/**
 * After the administrator approved the app: the exact steps still to do in the Power Platform admin center, with the
 * app id to search for, and a "Check again" button that re-runs the checks without another trip to Microsoft.
 * Steps: https://learn.microsoft.com/power-platform/admin/manage-application-users#create-an-application-user
 */
export function renderAppConsentSteps(options: {
  gap: AppConsentGap;
  message: string;
  environmentUrl: string;
  appId: string;
  /** The solution's role for the application user ("Xero Connector Service"). */
  roleName: string;
  /** The extra role the real-time add-on needs ("System Customizer"). */
  realtimeRoleName: string;
  check: { action: string; token: string; ticket: string };
  /** The Dynamics 365 page again (to approve again, or to choose the other way). */
  restart: string;
}): SafeHtml {
  const { appId, roleName, realtimeRoleName } = options;
  // The solution's least-privilege role covers every table the flows touch; the real-time add-on also registers a
  // webhook (plug-in step tables), which needs System Customizer.
  const advice = [
    `Assign the application user the ${roleName} role.`,
    `If you turn on Real-time, also assign it the ${realtimeRoleName} role.`,
  ];
  const roleAdvice = html`<p class="hint" id="role-advice">${advice.join(" ")}</p>`;
  const openEnvironment = html`<li>
    Open the
    <a href="https://admin.powerplatform.microsoft.com/environments" rel="noreferrer">Power Platform admin center</a>,
    select <b>Environments</b> and then the environment <code>${options.environmentUrl}</code>.
  </li>`;
  const todo = {
    "no-application-user": html`<ol class="todo" id="todo">
      ${openEnvironment}
      <li>Select <b>Settings</b> → <b>Users + permissions</b> → <b>Application users</b>.</li>
      <li>Select <b>+ New app user</b>, then <b>+ Add an app</b>.</li>
      <li>
        Search for the app ID <code id="app-id">${appId}</code> (the Xero Connector app), select it and <b>Add</b>.
      </li>
      <li>Choose the <b>Business unit</b>: your organisation's root business unit.</li>
      <li>Under <b>Security roles</b>, add <b>${roleName}</b>, then select <b>Create</b>.</li>
      <li>Come back to this page and select <b>Check again</b>.</li>
    </ol>`,
    "missing-role": html`<ol class="todo" id="todo">
      ${openEnvironment}
      <li>Select <b>Settings</b> → <b>Users + permissions</b> → <b>Application users</b>.</li>
      <li>Select the application user with the app ID <code id="app-id">${appId}</code>.</li>
      <li>Select <b>Edit security roles</b>, add <b>${roleName}</b> and <b>Save</b>.</li>
      <li>Come back to this page and select <b>Check again</b>.</li>
    </ol>`,
    "solution-missing": html`<ol class="todo" id="todo">
      <li>Install (or update) the Xero Connector solution in <code>${options.environmentUrl}</code> from AppSource.</li>
      <li>Come back to this page and select <b>Check again</b>.</li>
    </ol>`,
    "not-consented": html`<ol class="todo" id="todo">
      <li>
        If the app was approved a moment ago, Microsoft can take a minute or two to make that known everywhere: wait,
        then select <b>Check again</b>.
      </li>
      <li>
        Otherwise ask a Microsoft Entra administrator of the environment's directory to approve the Xero Connector app
        (app ID <code id="app-id">${appId}</code>): <a href="${options.restart}">start the approval again</a>.
      </li>
    </ol>`,
    unreachable: html`<ol class="todo" id="todo">
      <li>Wait a minute (the environment did not answer), then select <b>Check again</b>.</li>
    </ol>`,
  }[options.gap];
  const titles: Record<AppConsentGap, string> = {
    "no-application-user": "Add the Xero Connector app to your environment",
    "missing-role": "Give the Xero Connector app its security role",
    "solution-missing": "Install the Xero Connector solution",
    "not-consented": "The Xero Connector app is not approved in this directory",
    unreachable: "Your environment did not answer",
  };
  return toPage(
    titles[options.gap],
    html`${steps(2)}
      ${options.gap === "not-consented" ? html`` : html`<p class="ok">The Xero Connector app is approved for your directory.</p>`}
      <div class="problem" role="alert" id="problem"><p>${options.message}</p></div>
      ${todo} ${options.gap === "no-application-user" || options.gap === "missing-role" ? roleAdvice : html``}
      <form method="post" action="${options.check.action}">
        <input type="hidden" name="token" value="${options.check.token}" />
        <input type="hidden" name="ticket" value="${options.check.ticket}" />
        <button type="submit" id="check-again">Check again</button>
      </form>
      <p class="hint">
        Prefer your own app registration instead? <a href="${options.restart}">Go back to the Dynamics 365 step</a>.
      </p>`,
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

/** The "Connect another Xero organisation" button: a form posting a short-lived signed ticket, never a secret. */
export interface AnotherOrganisationButton {
  action: string;
  ticket: string;
}

const anotherOrganisationForm = (another: AnotherOrganisationButton | undefined): SafeHtml =>
  another === undefined
    ? html``
    : html`<form method="post" action="${another.action}" id="another-organisation">
        <input type="hidden" name="ticket" value="${another.ticket}" />
        <p class="hint">
          Another Xero organisation for this Dynamics 365 environment? It gets its own Xero Connector record; this one
          stays as it is.
        </p>
        <button type="submit" id="connect-another">Connect another Xero organisation</button>
      </form>`;

export function renderConnectedPage(summary: ConnectedSummary, another?: AnotherOrganisationButton): SafeHtml {
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
      </p>
      ${anotherOrganisationForm(another)}`,
  );
}

/** One authorisation renewed on a connection that was already running. */
export function renderReauthorisedPage(
  summary: {
    step: "xero" | "dynamics";
    xeroOrganisation: string;
    environmentUrl: string;
    connectorName: string;
  },
  another?: AnotherOrganisationButton,
): SafeHtml {
  const what = summary.step === "xero" ? summary.xeroOrganisation : `Dynamics 365 (${summary.environmentUrl})`;
  return toPage(
    summary.step === "xero" ? "Xero is reconnected" : "Dynamics 365 is reconnected",
    html`<p class="ok" role="status" id="connected">${what} is connected again.</p>
      <p>
        The Xero Connector record <b>${summary.connectorName}</b> shows Connected; synchronisation resumes on its next
        run.
      </p>
      ${anotherOrganisationForm(another)}`,
  );
}
