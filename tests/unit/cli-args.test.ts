import * as assert from "node:assert/strict";
import { parseArgs, stringOption, UsageError } from "../../lib/cli-args";

describe("lib/cli-args: the scripts' one argument parser", () => {
    it("reads --key value, --key=value, flags, aliases and positionals", () => {
        const got = parseArgs(["prod", "--image", "reg/app", "--major=16", "-v", "--json", "dev"], {
            flags: ["verbose", "json"],
            aliases: { v: "verbose" },
            positionals: true,
        });
        assert.deepEqual(got, { options: { image: "reg/app", major: "16", verbose: true, json: true }, positionals: ["prod", "dev"] });
        assert.equal(stringOption(got, "image"), "reg/app");
        assert.equal(stringOption(got, "verbose", "x"), "x", "a flag is not a string value");
        assert.equal(stringOption(got, "missing", "3"), "3");
    });

    it("keeps a value with = in it, and the last of a repeated option", () => {
        assert.deepEqual(parseArgs(["--source=a=b", "--n", "1", "--n", "2"]).options, { source: "a=b", n: "2" });
    });

    it("names the argument in every mistake", () => {
        const fails = (argv: string[], spec: Parameters<typeof parseArgs>[1], re: RegExp) =>
            assert.throws(
                () => parseArgs(argv, spec),
                (e: Error) => e instanceof UsageError && re.test(e.message),
            );
        fails(["--image"], {}, /--image needs a value/);
        fails(["stray"], {}, /unexpected argument "stray"/);
        fails(["--json=yes"], { flags: ["json"] }, /--json takes no value, got "yes"/);
        fails(["--colour", "red"], { flags: ["json"], options: ["scale"] }, /unknown option "--colour"; known: --json, --scale/);
    });
});
