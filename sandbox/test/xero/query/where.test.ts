import { WhereParseError, compileWhere } from "../../../src/xero/query/where";

const fields = new Set(["Type", "Status", "Total", "Date", "Name", "IsCustomer", "Contact.ContactID", "Contact.Name"]);
const invoice = {
  Type: "ACCREC",
  Status: "AUTHORISED",
  Total: 115,
  Date: Date.UTC(2026, 2, 2),
  Name: "Ridgeway University",
  IsCustomer: true,
  Contact: { ContactID: "5b0d7b9e-7a8f-4f1c-9a4e-0c4f5f1d2e3a", Name: "Ridgeway" },
};
const matches = (expression: string): boolean => compileWhere(expression, "Invoice", fields)(invoice);

describe("compileWhere", () => {
  it.each([
    ['Type=="ACCREC"', true],
    ['Type=="ACCPAY"', false],
    ['Type!="ACCPAY"', true],
    ['type=="ACCREC"'.replace("type", "Type"), true],
    ['Status=="authorised"', true],
    ['Type=="ACCREC" && Status=="AUTHORISED"', true],
    ['Type=="ACCREC" AND Status=="DRAFT"', false],
    ['Type=="ACCPAY" || Status=="AUTHORISED"', true],
    ['Type=="ACCPAY" OR Status=="DRAFT"', false],
    ['(Type=="ACCPAY" || Type=="ACCREC") && Total > 100', true],
    ["Total >= 115 && Total <= 115 && Total < 116", true],
    ["!(Total > 100)", false],
    ["Date >= DateTime(2026,03,02) && Date < DateTime(2026, 3, 3, 0, 0, 0)", true],
    ['Contact.ContactID==Guid("5B0D7B9E-7A8F-4F1C-9A4E-0C4F5F1D2E3A")', true],
    ['Contact.Name.StartsWith("ridge")', true],
    ['Name.Contains("Univ") && Name.EndsWith("sity")', true],
    ['Name.ToLower()=="ridgeway university"', true],
    ["IsCustomer", true],
    ["IsCustomer==false", false],
    ['Type == "ACCREC"', true],
  ])("%s → %s", (expression, expected) => {
    expect(matches(expression)).toBe(expected);
  });

  it.each([
    ['Colour=="Blue"', "No property or field 'Colour' exists in type 'Invoice'"],
    ['Type=="ACCREC" &&', "Expression expected"],
    ['Type=="ACCREC', "Unterminated string literal"],
    ['Type=="A" ; drop', "Syntax error ';'"],
    ['Name.Matches("x")', "No applicable method 'Matches' exists in type 'String'"],
    [`"ACCREC"`, "Operator expected"],
  ])("refuses %s", (expression, message) => {
    expect(() => compileWhere(expression, "Invoice", fields)).toThrow(new WhereParseError(message));
  });
});
