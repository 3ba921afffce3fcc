import { main } from "../lib/compare/cli";

/**
 * `npm run compare -- [stack…] [options]`: what differs between stacks, before `pulumi up`. Pulumi has
 * no stack-to-stack diff (pulumi/pulumi#687); this runs each stack under mocks (or `pulumi preview`)
 * and lines the results up. Everything lives in lib/compare/; this file only wires up the process.
 */
// A failing stack can leave Pulumi runtime promises behind; its column already reports the failure.
process.on("unhandledRejection", (reason) => {
    if (process.env.DBPLACE_DEBUG) process.stderr.write(`compare: (debug) unhandled rejection: ${String((reason as Error)?.stack ?? reason)}\n`);
});

main(process.argv.slice(2), {
    write: (text) => process.stdout.write(text),
    error: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stdout.isTTY),
    columns: process.stdout.columns,
    env: process.env,
}).then((code) => {
    // Exit explicitly: the Pulumi runtime may keep handles open after the last mock run.
    process.stdout.write("", () => process.exit(code));
});
