// testEnvironment "jsdom" with the log scan's last step (log-scan-environment.js); a file selects it with the docblock
// `@jest-environment ../../test-support/environment-jsdom.js` (a path relative to the file), or a project by name.
const { TestEnvironment } = require("jest-environment-jsdom");
const { withLogScan } = require("./log-scan-environment");

module.exports = withLogScan(TestEnvironment);
