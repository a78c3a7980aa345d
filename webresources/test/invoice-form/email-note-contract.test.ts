// The form recognises the Invoice Emails flow's notes by their opening words; the service writes them. The two
// deployables share no code, so this test holds them to the same openings and checks every note the service can write.
import * as service from "../../../azure-functions/src/flows/invoice-email-notes";
import { emailNotePrefixes, isEmailNote } from "../../src/invoice-form/rules";

describe("the Invoice Emails note, between the service and the form", () => {
  it("has the same openings on both sides", () => {
    expect(emailNotePrefixes).toStrictEqual(service.emailNotePrefixes);
  });

  it.each<service.EmailBlocker>(["no-email", "not-approved", "deleted", "voided", "not-found", "already-sent"])(
    "the form recognises the service's %s note",
    (blocker) => {
      expect(isEmailNote(service.toBlockerNote(blocker, "Kauri Timber Ltd"))).toBe(true);
    },
  );

  it("the form recognises the service's refusal note", () => {
    expect(isEmailNote(service.toRefusalNote("The contact does not have an email address."))).toBe(true);
  });
});
