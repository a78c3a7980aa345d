// HTTP trigger for Xero webhooks: the raw body and signature to realtime/, an empty answer. Anonymous at the host:
// the x-xero-signature check is the authentication. Served on two routes: `xero-webhook` (the documented one) and
// `xero/webhook` (where the sandbox and ARCHITECTURE.md point Xero's subscription).
// https://developer.xero.com/documentation/guides/webhooks/configuring-your-server/
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { toSyncError } from "../core/errors";
import type { HttpFunctionDefinition } from "../function-table";
import { realtimeFor } from "../realtime/realtime-service";
import { xeroSignatureHeader } from "../realtime/xero-events";
import { receiveXeroWebhook } from "../realtime/xero-receiver";
import type { ServiceProvider } from "./service";
import { invocationLogger } from "./service";

export const xeroWebhookRoutes = { primary: "xero-webhook", sandbox: "xero/webhook" } as const;

function handler(service: ServiceProvider) {
  return async (request: HttpRequest, invocation: InvocationContext): Promise<HttpResponseInit> => {
    const resolved = await service();
    const logger = invocationLogger(invocation, resolved);
    try {
      const realtime = await realtimeFor(resolved);
      const rawBody = new Uint8Array(await request.arrayBuffer());
      const outcome = await receiveXeroWebhook(
        rawBody,
        request.headers.get(xeroSignatureHeader) ?? undefined,
        realtime.xeroReceiver(logger),
      );
      if (outcome.status !== 200)
        logger.warn("Xero webhook refused", { status: outcome.status, reason: outcome.reason });
      // Xero wants an empty body (and no cookies) in every answer.
      return { status: outcome.status };
    } catch (thrown) {
      // Anything but 200 makes Xero send the payload again later.
      logger.error("Xero webhook could not be taken", { error: toSyncError(thrown) });
      return { status: 503 };
    }
  };
}

export function xeroWebhookFunctions(service: ServiceProvider): HttpFunctionDefinition[] {
  return [
    {
      kind: "http",
      name: "xeroWebhook",
      route: xeroWebhookRoutes.primary,
      methods: ["POST"],
      authLevel: "anonymous",
      handler: handler(service),
    },
    {
      kind: "http",
      name: "xeroWebhookSandboxRoute",
      route: xeroWebhookRoutes.sandbox,
      methods: ["POST"],
      authLevel: "anonymous",
      handler: handler(service),
    },
  ];
}
