import { exposeNamespace } from "../../src/shared/namespace";

describe("exposeNamespace", () => {
  it("creates XeroConnector when absent", () => {
    const host: Record<string, unknown> = {};
    const members = { onLoad: () => undefined };
    exposeNamespace("InvoiceForm", members, host);
    expect(host).toStrictEqual({ XeroConnector: { InvoiceForm: members } });
  });

  it("keeps what other bundles put there", () => {
    const commands = { canRetry: () => true };
    const host: Record<string, unknown> = { XeroConnector: { Commands: commands } };
    exposeNamespace("InvoiceForm", {}, host);
    expect(host.XeroConnector).toStrictEqual({ Commands: commands, InvoiceForm: {} });
  });

  it("replaces a non-object left under the name", () => {
    const host: Record<string, unknown> = { XeroConnector: "oops" };
    exposeNamespace("Commands", {}, host);
    expect(host.XeroConnector).toStrictEqual({ Commands: {} });
  });
});
