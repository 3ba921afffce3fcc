import * as assert from "node:assert/strict";
import { ConfigError, resolveStack } from "../../components/config";
import { Ambient } from "../../components/config/gcp";

/** The ConfigError validation raises for `raw`; fails the test when it accepts the config or throws anything else. */
export function rejected(raw: unknown, ambient?: Ambient): ConfigError {
    try {
        resolveStack(raw, "dbplace", ambient);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
        return e;
    }
    assert.fail(`expected ${JSON.stringify(raw)} to be rejected`);
}
