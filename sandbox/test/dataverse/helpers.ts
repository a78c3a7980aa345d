// Shared set-up for the Dataverse emulator tests: an emulator on a free port with a manual clock, one organisation
// and a fetch helper that sends the bearer token.
import { ManualClock } from "../../src/clock";
import type { DataverseEmulator, DataverseEmulatorOptions, DataverseOrganisation } from "../../src/dataverse";
import { startDataverseEmulator } from "../../src/dataverse";

export interface TestOrg {
  dv: DataverseEmulator;
  org: DataverseOrganisation;
  clock: ManualClock;
  token: string;
  /** Sends a request with a fresh token (the manual clock may have moved past an older one's expiry). */
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
}

export const startTestOrg = async (options: Omit<DataverseEmulatorOptions, "clock"> = {}): Promise<TestOrg> => {
  const clock = new ManualClock(Date.UTC(2026, 2, 15, 9, 30, 0));
  const dv = await startDataverseEmulator({ ...options, clock });
  const org = dv.createOrganisation("contoso");
  const token = dv.issueAccessToken(org);
  const api = (path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> => {
    const { json, headers, ...rest } = init;
    return fetch(path.startsWith("http") ? path : `${org.webApiUrl}${path}`, {
      ...rest,
      headers: {
        Authorization: `Bearer ${dv.issueAccessToken(org)}`,
        Accept: "application/json",
        "OData-Version": "4.0",
        ...(json === undefined ? {} : { "Content-Type": "application/json" }),
        ...(headers as Record<string, string> | undefined),
      },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
  };
  return { dv, org, clock, token, api };
};

/** The id in an `OData-EntityId` header. */
export const entityIdOf = (response: Response): string => {
  const header = response.headers.get("odata-entityid") ?? "";
  const match = /\(([0-9a-f-]{36})\)$/.exec(header);
  if (match?.[1] === undefined) throw new Error(`no entity id in '${header}'`);
  return match[1];
};

export const errorOf = async (response: Response): Promise<{ code: string; message: string }> =>
  ((await response.json()) as { error: { code: string; message: string } }).error;
