// ESLint flat config: type-aware TypeScript rules everywhere, Microsoft's Power Apps rules on webresources/.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import { createRequire } from "node:module";

// The plug-in is a dependency of the webresources workspace, so resolve it from there.
const powerAppsPlugin = createRequire(new URL("./webresources/package.json", import.meta.url))(
  "@microsoft/eslint-plugin-power-apps",
);

/**
 * ESLint 10 removed `context.getSourceCode()` (use `context.sourceCode`); the Power Apps plug-in 0.5.x still calls it.
 * Wrap each rule so its context answers that one legacy call.
 * https://eslint.org/docs/latest/use/migrate-to-10.0.0
 */
const withSourceCodeShim = (plugin) => ({
  ...plugin,
  rules: Object.fromEntries(
    Object.entries(plugin.rules ?? {}).map(([name, rule]) => [
      name,
      {
        ...rule,
        create: (context) =>
          rule.create(
            new Proxy(context, {
              get: (target, key) => (key === "getSourceCode" ? () => target.sourceCode : Reflect.get(target, key)),
            }),
          ),
      },
    ]),
  ),
});
const powerApps = withSourceCodeShim(powerAppsPlugin);

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "solution/**", ".sandbox/**", "**/*.js", "**/*.mjs", "**/generated/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/return-await": ["error", "in-try-catch"],
      eqeqeq: ["error", "always"],
      "no-console": "off",
    },
  },
  {
    files: ["azure-functions/src/**/*.ts"],
    rules: { "no-console": "error" },
  },
  {
    files: ["webresources/**/*.ts"],
    plugins: { "power-apps": powerApps },
    rules: Object.fromEntries(Object.keys(powerApps.rules ?? {}).map((rule) => [`power-apps/${rule}`, "error"])),
  },
  {
    files: ["**/test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/unbound-method": "off",
    },
  },
);
