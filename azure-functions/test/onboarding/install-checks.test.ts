// Install checks against the Dataverse emulator, which serves the `solution` table: the installed version is read,
// an old one is refused, a missing solution is named, and a solution table the user may not read leaves it unknown.
import { startDataverseEmulator, type DataverseEmulator } from "../../../sandbox/src/dataverse";
import type { DataversePort } from "../../src/adapters/dataverse/port";
import { createDataverseClient } from "../../src/adapters/dataverse/web-api-client";
import { systemClock } from "../../src/core/clock";
import { SyncError } from "../../src/core/errors";
import { checkInstallation } from "../../src/onboarding/install-checks";

let dataverse: DataverseEmulator;
let orgs = 0;

beforeAll(async () => {
  dataverse = await startDataverseEmulator({ port: 0 });
});
afterAll(async () => {
  await dataverse.stop();
});

function clientFor(solutionVersion?: string | null): DataversePort {
  const org = dataverse.createOrganisation(
    `install-${process.pid}-${++orgs}`,
    solutionVersion === undefined ? {} : { solutionVersion },
  );
  return createDataverseClient(
    { url: org.url, tenantId: org.tenantId, clientId: org.clientId, clientSecret: org.clientSecret },
    { authorityUrl: dataverse.url, clock: systemClock },
  );
}

test("the installed solution's version is read from the solution table", async () => {
  const verdict = await checkInstallation(clientFor());
  expect(verdict).toStrictEqual({ ok: true, solutionVersion: dataverse.schema.metadata.version });
});

test("a version older than the service needs is refused with what to do", async () => {
  expect(await checkInstallation(clientFor("0.9.0.0"))).toMatchObject({
    ok: false,
    problem: "solution-outdated",
    message: expect.stringContaining("version 0.9.0.0") as unknown,
  });
});

test("an environment without the solution is told to install it", async () => {
  expect(await checkInstallation(clientFor(null))).toMatchObject({ ok: false, problem: "solution-missing" });
});

test("a solution table this user may not read (403) leaves the version unknown instead of failing", async () => {
  const client = clientFor();
  const forbidden: DataversePort = {
    ...client,
    retrieveMultiple: (async (entitySet: string, ...rest: unknown[]) => {
      if (entitySet === "solutions")
        throw new SyncError("missing prvReadSolution", { kind: "auth", details: { source: "dataverse", status: 403 } });
      return (client.retrieveMultiple as (...args: unknown[]) => Promise<unknown>)(entitySet, ...rest);
    }) as DataversePort["retrieveMultiple"],
  };
  expect(await checkInstallation(forbidden)).toStrictEqual({ ok: true, solutionVersion: undefined });
});
