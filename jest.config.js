const fs = require("node:fs");
const path = require("node:path");

/** One Jest run over every area; each area's tests live in its own test/ tree mirroring src/. */
const swc = [
  "@swc/jest",
  { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } },
];

/** @type {import('jest').Config} */
const shared = {
  transform: { "^.+\\.ts$": swc },
  moduleFileExtensions: ["ts", "js", "json"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
};

const existing = (roots) => roots.filter((root) => fs.existsSync(path.join(__dirname, root.replace("<rootDir>/", ""))));

/** @type {import('jest').Config} */
module.exports = {
  maxWorkers: 2,
  // Hooks share this limit; Azurite alone may wait up to 60 s for its ports on a loaded 2-core machine.
  testTimeout: 120000,
  reporters: ["default", "<rootDir>/scripts/jest-summary-reporter.js", "<rootDir>/sandbox/test/xero/validation-count-reporter.js"],
  projects: [
    { ...shared, displayName: "customizations", testEnvironment: "node", roots: existing(["<rootDir>/customizations/test", "<rootDir>/scripts/test"]) },
    { ...shared, displayName: "sandbox", testEnvironment: "node", roots: existing(["<rootDir>/sandbox/test"]) },
    { ...shared, displayName: "azure-functions", testEnvironment: "node", roots: existing(["<rootDir>/azure-functions/test"]), setupFilesAfterEnv: ["<rootDir>/azure-functions/test/support/log-scan-setup.ts"] },
    { ...shared, displayName: "webresources", testEnvironment: "node", roots: existing(["<rootDir>/webresources/test"]) },
  ].filter((project) => project.roots.length > 0),
};
