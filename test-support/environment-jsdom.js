// testEnvironment "jsdom" with the log scan's last step (log-scan-environment.js); a test file selects it with the
// docblock `@jest-environment ./test-support/environment-jsdom.js` (Jest resolves it from the repository root, the
// projects' rootDir), a project with `testEnvironment: "<rootDir>/test-support/environment-jsdom.js"`.
const { TestEnvironment } = require("jest-environment-jsdom");
const { withLogScan } = require("./log-scan-environment");

module.exports = withLogScan(TestEnvironment);
