// HTTP trigger routes as the host matches them: ASP.NET route templates under the route prefix, literal segments
// compared case-insensitively, `{name}` parameters, `{name?}` optional trailing ones, `{*rest}` catch-alls and the
// common constraints (`int`, `long`, `bool`, `guid`, `alpha`).
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-http-webhook-trigger#customize-the-http-endpoint
// https://learn.microsoft.com/aspnet/core/fundamentals/routing#route-constraints

type Segment =
  | { kind: "literal"; text: string }
  | { kind: "param"; name: string; optional: boolean; catchAll: boolean; constraint: Constraint | undefined };

type Constraint = (value: string) => boolean;

const constraints: Record<string, Constraint> = {
  int: (v) => /^-?\d+$/.test(v) && Math.abs(Number(v)) <= 2 ** 31,
  long: (v) => /^-?\d+$/.test(v),
  bool: (v) => /^(true|false)$/i.test(v),
  guid: (v) => /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i.test(v),
  alpha: (v) => /^[a-z]+$/i.test(v),
};

export interface RouteTemplate {
  template: string;
  segments: readonly Segment[];
}

export function compileRoute(template: string): RouteTemplate {
  const parts = template
    .replace(/^\/+|\/+$/g, "")
    .split("/")
    .filter((part) => part !== "");
  const segments = parts.map((part, index): Segment => {
    const param = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?(\?)?\}$/.exec(part);
    if (param === null) {
      if (part.includes("{") || part.includes("}"))
        throw new Error(`route "${template}": unsupported segment "${part}"`);
      return { kind: "literal", text: part.toLowerCase() };
    }
    const [, star, name, constraintName, question] = param;
    const constraint = constraintName === undefined ? undefined : constraints[constraintName];
    if (constraintName !== undefined && constraint === undefined) {
      throw new Error(`route "${template}": constraint "${constraintName}" is not supported by the local host`);
    }
    const catchAll = star !== undefined;
    const optional = question !== undefined || catchAll;
    if ((optional || catchAll) && index !== parts.length - 1) {
      throw new Error(`route "${template}": only the last segment may be optional or a catch-all`);
    }
    return { kind: "param", name: name as string, optional, catchAll, constraint };
  });
  return { template, segments };
}

/** Matches a path (below the route prefix, without query) and returns the decoded route parameters, or null. */
export function matchRoute(route: RouteTemplate, path: string): Record<string, string> | null {
  const parts = path
    .replace(/^\/+|\/+$/g, "")
    .split("/")
    .filter((part) => part !== "");
  const params: Record<string, string> = {};
  for (let index = 0; index < route.segments.length; index += 1) {
    const segment = route.segments[index] as Segment;
    const part = parts[index];
    if (segment.kind === "literal") {
      if (part === undefined || safeDecode(part)?.toLowerCase() !== segment.text) return null;
      continue;
    }
    if (segment.catchAll) {
      const rest = parts.slice(index).map(safeDecode);
      if (rest.some((value) => value === undefined)) return null;
      if (rest.length > 0) params[segment.name] = rest.join("/");
      return params;
    }
    if (part === undefined) {
      if (segment.optional) return params;
      return null;
    }
    const value = safeDecode(part);
    if (value === undefined) return null;
    if (segment.constraint !== undefined && !segment.constraint(value)) return null;
    params[segment.name] = value;
  }
  return parts.length === route.segments.length ? params : null;
}

function safeDecode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}
