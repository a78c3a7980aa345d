// The steps page names the role the solution ships for the service's application user. azure-functions may not
// import customizations/, so the name is a literal in onboarding.ts; this test reads the solution's roles file as
// text and fails when the two drift apart.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { serviceRoleName } from "../../src/onboarding/onboarding";

const rolesFile = join(__dirname, "..", "..", "..", "customizations", "src", "ui", "roles.ts");

describe("the service's security role", () => {
  it("is the role customizations/src/ui/roles.ts ships as serviceRole", () => {
    const declared = /export const serviceRole\s*=\s*"([^"]+)"/.exec(readFileSync(rolesFile, "utf8"))?.[1];
    expect(declared).toBeDefined();
    expect(serviceRoleName).toBe(declared);
  });
});
