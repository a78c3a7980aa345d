// Security roles in the packed solution: the service role's privileges reach customizations.xml by their Dataverse
// names (platform tables by schema name), at Global depth, and the role is a root component of the solution.
import { serviceRole } from "../../../customizations/src/ui/roles";
import { roleId, rolePrivileges } from "../../solution/components/components";
import { braced } from "../../solution/guid";
import { buildSolutionZip, readSolutionZip } from "../../solution/package";
import { attr, childElement, childElements, type XmlElement } from "../../solution/xml";
import { committedTree, model } from "./fixtures";

const packed = readSolutionZip(buildSolutionZip(committedTree(), true));
const service = model.roles.find((role) => role.name === serviceRole);

const roleElements = (): XmlElement[] => childElements(childElement(packed.customizations, "Roles") ?? packed.customizations, "Role");
const privilegesOf = (role: XmlElement | undefined): Array<{ name: string; level: string }> =>
  childElements(childElement(role ?? packed.customizations, "RolePrivileges") ?? packed.customizations, "RolePrivilege").map(
    (p) => ({ name: attr(p, "name") ?? "", level: attr(p, "level") ?? "" }),
  );

describe("the Xero Connector Service role in the solution", () => {
  const element = roleElements().find((role) => attr(role, "name") === serviceRole);

  it("is in customizations.xml with the declared privileges, all at Global depth", () => {
    expect(service).toBeDefined();
    expect(element).toBeDefined();
    const privileges = privilegesOf(element);
    expect(privileges).toStrictEqual(service === undefined ? [] : rolePrivileges(model, service));
    expect([...new Set(privileges.map((p) => p.level))]).toStrictEqual(["Global"]);
    expect(new Set(privileges.map((p) => p.name)).size).toBe(privileges.length);
  });

  it("names platform privileges as Dataverse does", () => {
    const names = privilegesOf(element).map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "prvCreateServiceEndpoint",
        "prvDeleteServiceEndpoint",
        "prvCreateSdkMessageProcessingStep",
        "prvWriteSdkMessageProcessingStepImage",
        "prvReadSdkMessage",
        "prvReadSolution",
        "prvReadEntity",
        "prvReadProduct",
        "prvAppendToTransactionCurrency",
        "prvCreateInvoice",
        "prvCreatemag_XeroConnector",
        "prvCreatemag_XeroSyncLog",
      ]),
    );
    // Privileges that do not exist in Dataverse would fail the import.
    expect(names.filter((n) => /SdkMessageFilter|InvoiceDetail|PriceLevel|UoM|^prvAppend(To)?(ServiceEndpoint|SdkMessage)/.test(n))).toStrictEqual([]);
  });

  it("is a root component of the solution", () => {
    const rootComponents = childElements(
      childElement(childElement(packed.solution, "SolutionManifest") ?? packed.solution, "RootComponents") ?? packed.solution,
      "RootComponent",
    );
    const id = service === undefined ? "" : braced(roleId(service));
    expect(rootComponents.filter((c) => attr(c, "type") === "20" && attr(c, "id") === id)).toHaveLength(1);
    expect(attr(element ?? packed.customizations, "id")).toBe(id);
  });
});
