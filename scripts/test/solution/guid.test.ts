import { braced, stableGuid } from "../../solution/guid";
import { formId } from "../../solution/components/forms";
import { model } from "./fixtures";

describe("stableGuid", () => {
  it("is a version-5 RFC 4122 id derived from the name alone", () => {
    const id = stableGuid("form", "invoice", "Invoice (Xero)");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stableGuid("form", "invoice", "Invoice (Xero)")).toBe(id);
    expect(stableGuid("form", "invoice", "Invoice (Xero) ")).not.toBe(id);
    expect(braced(id)).toBe(`{${id}}`);
  });

  it("keeps the ids already shipped (changing the namespace would duplicate every component on upgrade)", () => {
    const invoiceForm = model.forms.find((f) => f.table === "invoice" && f.type === "main");
    expect(invoiceForm && formId(invoiceForm)).toBe("6a1e814d-3184-51ef-89e6-a15cf0f02aa8");
  });
});
