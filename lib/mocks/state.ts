import * as pulumi from "@pulumi/pulumi";

/**
 * Outputs the real providers compute (ids, addresses, published ports) that programs read back. Keyed by
 * resource type; each cloud keeps its own table in its own file and they are merged in index.ts. Values
 * are derived from the resource's name so runs are deterministic and diffable across stacks.
 */
export type StateHook = (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown>;
export type InvokeHook = (args: pulumi.runtime.MockCallArgs) => Record<string, unknown>;

/** Stable small integer from a string, for fake ports and addresses. */
export function hashNumber(text: string, modulo: number): number {
    let h = 2166136261;
    for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    return h % modulo;
}
