// testEnvironment "node" with the log scan's last step (log-scan-environment.js).
const { TestEnvironment } = require("jest-environment-node");
const { withLogScan } = require("./log-scan-environment");

module.exports = withLogScan(TestEnvironment);
