import { describeError } from "../../src/shared/errors";

describe("describeError", () => {
  it("reads the message of an Error and of an Xrm.WebApi rejection", () => {
    expect(describeError(new Error("boom"))).toBe("boom");
    expect(describeError({ errorCode: 2147746581, message: "Principal user is missing prvReadInvoice" })).toBe(
      "Principal user is missing prvReadInvoice",
    );
  });

  it("falls back for anything else", () => {
    expect(describeError("plain")).toBe("plain");
    expect(describeError(42)).toBe("unknown error");
    expect(describeError({ message: 42 })).toBe("unknown error");
  });
});
