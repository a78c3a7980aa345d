const fs = require("node:fs");
const path = require("node:path");

/** One Jest run over every area; each area's tests live in its own test/ tree mirroring src/. */
const swc = [
  "@swc/jest",
  { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } },
];

/**
 * Every project scans its logs (issue 7): a capture per test file (test-support/log-scan-setup.ts) checked after the
 * file's last hook by the test environment (test-support/environment-node.js). See test-support/README.md.
 * @type {import('jest').Config}
 */
const shared = {
  transform: { "^.+\\.ts$": swc },
  moduleFileExtensions: ["ts", "js", "json"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  testEnvironment: "<rootDir>/test-support/environment-node.js",
  setupFilesAfterEnv: ["<rootDir>/test-support/log-scan-setup.ts"],
};

const existing = (roots) => roots.filter((root) => fs.existsSync(path.join(__dirname, root.replace("<rootDir>/", ""))));

/** @type {import('jest').Config} */
module.exports = {
  maxWorkers: 2,
  // Hooks share this limit; Azurite alone may wait up to 60 s for its ports on a loaded 2-core machine.
  testTimeout: 120000,
  // The summary reporter comes last: its "N passed, N failed" must be the last line printed (CI reads it).
  reporters: [
    "default",
    "<rootDir>/sandbox/test/xero/validation-count-reporter.js",
    "<rootDir>/scripts/jest-summary-reporter.js",
  ],
  projects: [
    {
      ...shared,
      displayName: "customizations",
      roots: existing(["<rootDir>/customizations/test", "<rootDir>/scripts/test", "<rootDir>/test-support/test"]),
    },
    { ...shared, displayName: "sandbox", roots: existing(["<rootDir>/sandbox/test"]) },
    { ...shared, displayName: "azure-functions", roots: existing(["<rootDir>/azure-functions/test"]) },
    { ...shared, displayName: "webresources", roots: existing(["<rootDir>/webresources/test"]) },
  ].filter((project) => project.roots.length > 0),
};
