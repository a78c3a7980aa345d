// The service tests' door to the suite-wide log scan (test-support/, installed for every test file by jest.config.js):
// `rememberSecrets` adds values only a test knows (an emulator's client secret, an authorization code);
// `capturedLineCount` proves the capture sees what it must.
export { capturedLineCount, rememberSecrets } from "../../../test-support/log-capture";
