import Module = require("node:module");
import * as path from "node:path";

/**
 * Makes `require("dbplace")` resolve to this working tree's components/index.ts, the way a published
 * package would resolve through package.json `exports`. Tests use it to run templates/ and examples/
 * unchanged (they import the package by name, as an application team's program does) without a build
 * or an install. Returns a function that removes the mapping.
 */
export const PACKAGE_NAME = "dbplace";
const ENTRY = path.resolve(__dirname, "..", "components", "index.ts");

type Resolve = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;

export function resolvePackageInTree(): () => void {
    const mod = Module as unknown as { _resolveFilename: Resolve };
    const original = mod._resolveFilename;
    mod._resolveFilename = function (request, parent, isMain, options) {
        if (request === PACKAGE_NAME) return ENTRY;
        return original.call(this, request, parent, isMain, options);
    };
    return () => {
        mod._resolveFilename = original;
    };
}
