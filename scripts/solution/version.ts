// The solution version comes from the root package.json: semver "1.2.3" becomes Dataverse's four-part "1.2.3.0".
// https://learn.microsoft.com/power-platform/alm/solution-concepts-alm#solution-version
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

const packageJson = z.object({ version: z.string().regex(/^\d+\.\d+\.\d+/) });

export const toSolutionVersion = (semver: string): string => {
  const [major, minor, patch] = semver.split(/[.+-]/);
  return [major, minor, patch, "0"].map((part) => String(Number(part ?? 0))).join(".");
};

export const readSolutionVersion = (root: string): string =>
  toSolutionVersion(packageJson.parse(JSON.parse(readFileSync(join(root, "package.json"), "utf8"))).version);
