// Type-checks every TypeScript project of the repository (tests included), one tsc run per tsconfig.
import { spawnSync } from "node:child_process";

const projects = ["tsconfig.json", "webresources/tsconfig.json"];
let failed = false;
for (const project of projects) {
  const result = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", project], {
    stdio: "inherit",
  });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
