// `npm run webhooks` arguments (the runs themselves are tested end to end in
// azure-functions/test/realtime/realtime.e2e.test.ts: sync records the state, remove holds Real-time off).
import { parseWebhookArgs } from "../register-webhooks";

describe("parseWebhookArgs", () => {
  it.each([
    [[], { action: "sync" }],
    [["sync"], { action: "sync" }],
    [["remove"], { action: "remove" }],
    [["remove", "--connection", "conn-1"], { action: "remove", connection: "conn-1" }],
    [["--connection", "conn-1"], { action: "sync", connection: "conn-1" }],
  ] as const)("%j → %j", (args, expected) => {
    expect(parseWebhookArgs(args)).toStrictEqual(expected);
  });

  it.each([[["explode"]], [["sync", "remove"]], [["--connection"]], [["--connection", "--env-file"]]])(
    "refuses %j",
    (args) => {
      expect(() => parseWebhookArgs(args)).toThrow(RangeError);
    },
  );
});
