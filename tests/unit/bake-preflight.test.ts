import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveStack } from "../../components/config";
import { preparedBake } from "../../components/replicas/preflight";

describe("bake preflight and placements share one prepared context", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbplace-prep-"));
    const dump = path.join(dir, "latest.dump");
    const spec = () => resolveStack({ cloud: "local", placement: "docker", engineVersion: "15", replicas: { kind: "baked", dump } }).databases[0];

    it("prepares a dump once per version, and again when the file is rewritten in place", () => {
        fs.copyFileSync("stacks/seed/app.dump", dump);
        const first = preparedBake(spec());
        assert.equal(preparedBake(spec()), first, "the placement reuses the preflight's context");
        // pg_dump -f rewrites the same path: a new version must not be served from the memo.
        fs.copyFileSync("tests/fixtures/app-next.dump", dump);
        const second = preparedBake(spec());
        assert.notEqual(second.digest, first.digest);
    });
});
