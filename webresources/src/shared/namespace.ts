/** The one global every bundle of this solution writes into. */
export const rootNamespace = "XeroConnector";

type Namespace = Record<string, unknown>;

/**
 * Publishes `members` as `XeroConnector.<name>` on the page's global object. Several bundles (form script, commands)
 * load on the same page, so an existing `XeroConnector` object is extended, never replaced.
 * Handler names registered in the solution: https://learn.microsoft.com/power-apps/developer/model-driven-apps/clientapi/events-forms-grids
 */
export function exposeNamespace(name: string, members: Namespace, host: Namespace = globalThis): void {
  const existing = host[rootNamespace];
  const root = typeof existing === "object" && existing !== null ? (existing as Namespace) : {};
  root[name] = members;
  host[rootNamespace] = root;
}
