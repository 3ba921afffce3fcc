import * as pulumi from "@pulumi/pulumi";
import { LABELS } from "../labels";

/** Labels on every container, volume and network, so `docker ps --filter` finds a stack's pieces. */
export function dockerLabels(database: string, role: string): { label: string; value: string }[] {
    return [
        { label: LABELS.stack, value: pulumi.getStack() },
        { label: LABELS.database, value: database },
        { label: LABELS.role, value: role },
    ];
}

/** Docker object names are host-global: prefix with the stack so two stacks on one engine never collide. */
export function dockerName(...parts: string[]): string {
    return [pulumi.getStack(), ...parts].join("-");
}
