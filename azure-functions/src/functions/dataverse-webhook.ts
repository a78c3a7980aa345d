// HTTP trigger for the real-time add-on's Dataverse webhook: read the request, delegate to realtime/, answer.
// Anonymous at the host: the webhook key (`?code=` or a header) is checked by the receiver per connection.
// Dataverse retries once on 502 / 503 / 504, so a storage failure answers 503.
// https://learn.microsoft.com/power-apps/developer/data-platform/use-webhooks
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { toSyncError } from "../core/errors";
import type { HttpFunctionDefinition } from "../function-table";
import { receiveDataverseWebhook } from "../realtime/dataverse-receiver";
import { realtimeFor } from "../realtime/realtime-service";
import { dataverseWebhookRoute } from "../realtime/registration";
import type { ServiceProvider } from "./service";
import { invocationLogger } from "./service";

export function dataverseWebhookFunction(service: ServiceProvider): HttpFunctionDefinition {
  return {
    kind: "http",
    name: "dataverseWebhook",
    route: dataverseWebhookRoute,
    methods: ["POST"],
    authLevel: "anonymous",
    handler: async (request: HttpRequest, invocation: InvocationContext): Promise<HttpResponseInit> => {
      const resolved = await service();
      const logger = invocationLogger(invocation, resolved);
      try {
        const realtime = await realtimeFor(resolved);
        const outcome = await receiveDataverseWebhook(
          {
            query: (name) => request.query.get(name) ?? undefined,
            header: (name) => request.headers.get(name) ?? undefined,
            body: await request.text(),
          },
          realtime.dataverseReceiver(logger),
        );
        if (outcome.status !== 202)
          logger.warn("Dataverse webhook refused", { status: outcome.status, reason: outcome.reason });
        return { status: outcome.status };
      } catch (thrown) {
        logger.error("Dataverse webhook could not be taken", { error: toSyncError(thrown) });
        return { status: 503 };
      }
    },
  };
}
