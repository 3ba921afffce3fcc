// Lint for the program, its tests and tools: typescript-eslint's recommended rules, untyped (typed
// linting of everything costs minutes on a 2-core machine), and Pulumi's own rules — an Output in a
// plain template literal renders as a warning text, not its value — typed, on the program only.
// The few rules the code base deliberately departs from are off, each with its reason.
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/**", "bin/**", "dist/**", "**/*.js", "**/*.mjs", "tests/golden/**"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: { ecmaVersion: 2022, sourceType: "module" },
        rules: {
            // Mock monitors, Pulumi's untyped runtime internals and JSON from CLIs are typed `any` on purpose.
            "@typescript-eslint/no-explicit-any": "off",
            // Unused destructured names drop a key (`const { a: _a, ...rest }`); unused args keep a callback's shape.
            "@typescript-eslint/no-unused-vars": [
                "error",
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true },
            ],
        },
    },
    {
        // Placement factories `require` their module when called, so a stack loads only the SDKs it uses;
        // tests and examples load modules after setting up mocks or in a fresh registry.
        files: ["components/**/placement.ts", "components/placements.ts", "components/shared.ts", "tests/**/*.ts", "examples/**/*.ts"],
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    {
        files: ["components/**/*.ts", "program.ts", "index.ts", "config.ts"],
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        plugins: { pulumi },
        rules: {
            "pulumi/no-output-in-template-literal": "error",
            "pulumi/no-output-instance-in-template-literal": "error",
        },
    },
);
