// HTTP triggers: route matching under the prefix, method checks, key authorisation, and the conversions between
// Node's http objects and @azure/functions' HttpRequest / HttpResponseInit.
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-http-webhook-trigger
// https://learn.microsoft.com/azure/azure-functions/function-keys-how-to
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpRequest, HttpResponse, type Cookie, type HttpResponseInit } from "@azure/functions";
import type { HttpFunctionDefinition } from "../../../azure-functions/src/function-table";
import { compileRoute, matchRoute, type RouteTemplate } from "./route-template";

export interface HttpRoute {
  definition: HttpFunctionDefinition;
  route: RouteTemplate;
  methods: ReadonlySet<string>;
}

export function toHttpRoutes(definitions: readonly HttpFunctionDefinition[]): HttpRoute[] {
  return definitions.map((definition) => ({
    definition,
    route: compileRoute(definition.route),
    methods: new Set(definition.methods.map((method) => method.toUpperCase())),
  }));
}

/** The first route whose template and method match; a template match with another method is not a match (404). */
export function findRoute(
  routes: readonly HttpRoute[],
  method: string,
  path: string,
): { route: HttpRoute; params: Record<string, string> } | null {
  for (const route of routes) {
    if (!route.methods.has(method.toUpperCase())) continue;
    const params = matchRoute(route.route, path);
    if (params !== null) return { route, params };
  }
  return null;
}

export interface HostKeys {
  /** Function-level keys per function name (the real host's "default" function key). */
  functionKeys: Readonly<Record<string, string>>;
  /** Host keys work on every function-level function. */
  hostKeys: readonly string[];
  /** The master key works everywhere, and is the only key admin-level functions accept. */
  masterKey: string;
}

/**
 * Keys travel in the `code` query parameter or the `x-functions-key` header.
 * https://learn.microsoft.com/azure/azure-functions/function-keys-how-to#use-access-keys
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-http-webhook-trigger#http-auth
 */
export function isAuthorised(
  authLevel: HttpFunctionDefinition["authLevel"],
  functionName: string,
  presentedKey: string | undefined,
  keys: HostKeys,
): boolean {
  if (authLevel === "anonymous") return true;
  if (presentedKey === undefined || presentedKey === "") return false;
  if (presentedKey === keys.masterKey) return true;
  if (authLevel === "admin") return false;
  return keys.hostKeys.includes(presentedKey) || keys.functionKeys[functionName] === presentedKey;
}

export function presentedKey(url: URL, headers: IncomingMessage["headers"]): string | undefined {
  const header = headers["x-functions-key"];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  return fromHeader ?? url.searchParams.get("code") ?? undefined;
}

/**
 * The host's request limits: 100 MB of body (413 beyond) and 4,096 bytes of URL (414 beyond).
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-http-webhook-trigger#limits
 */
export const requestLimits = { maxBodyBytes: 104_857_600, maxUrlBytes: 4_096 } as const;

export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
}

export async function readBody(
  request: IncomingMessage,
  maxBytes: number = requestLimits.maxBodyBytes,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request) {
    length += (chunk as Buffer).length;
    if (length > maxBytes) throw new BodyTooLargeError(`request body over ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

// Hop-by-hop headers describe this connection, not the request; the Fetch Request the library builds rejects some.
const hopByHop = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "proxy-connection",
  "te",
  "trailer",
]);

/** Node's request → the library's HttpRequest, body bytes untouched (signature checks hash the raw body). */
export function toHttpRequest(
  request: IncomingMessage,
  url: URL,
  params: Record<string, string>,
  body: Buffer,
): HttpRequest {
  const headers: Record<string, string> = {};
  const raw = request.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = (raw[index] as string).toLowerCase();
    if (hopByHop.has(name)) continue;
    const value = raw[index + 1] as string;
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const method = (request.method ?? "GET").toUpperCase();
  return new HttpRequest({
    method,
    url: url.toString(),
    headers,
    params,
    ...(method === "GET" || method === "HEAD" || body.length === 0 ? {} : { body: { bytes: new Uint8Array(body) } }),
  });
}

/** The handler's answer → status, headers, cookies and body bytes on the wire. Nothing returned → 204. */
export async function writeHttpResponse(
  result: HttpResponseInit | HttpResponse | undefined | null | void,
  response: ServerResponse,
): Promise<void> {
  if (result === undefined || result === null) {
    response.writeHead(204).end();
    return;
  }
  const normalised = result instanceof HttpResponse ? result : new HttpResponse(result);
  const body = Buffer.from(await normalised.arrayBuffer());
  const headers: Array<[string, string]> = [];
  for (const [name, value] of normalised.headers.entries()) if (name !== "set-cookie") headers.push([name, value]);
  for (const cookie of normalised.headers.getSetCookie()) headers.push(["set-cookie", cookie]);
  for (const cookie of normalised.cookies) headers.push(["set-cookie", toSetCookie(cookie)]);
  response.statusCode = normalised.status;
  for (const [name, value] of headers) response.appendHeader(name, value);
  response.end(body);
}

/** RFC 6265 Set-Cookie serialisation of the library's Cookie. */
export function toSetCookie(cookie: Cookie): string {
  const parts = [`${cookie.name}=${cookie.value}`];
  if (cookie.domain !== undefined) parts.push(`Domain=${cookie.domain}`);
  if (cookie.path !== undefined) parts.push(`Path=${cookie.path}`);
  if (cookie.expires !== undefined) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.secure === true) parts.push("Secure");
  if (cookie.httpOnly === true) parts.push("HttpOnly");
  if (cookie.sameSite !== undefined) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join("; ");
}
