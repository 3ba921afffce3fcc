import { PlannedResource } from "../model";

/**
 * What one resource costs, in price-table terms: a key looked up in the resource's region, times a
 * quantity. `main` marks the database servers themselves (instances, node groups running the
 * database): without their price a total would mislead, so none is shown.
 */
export interface Part {
    what: string;
    kind: "hourly" | "monthly";
    key: string;
    quantity: number;
    main?: boolean;
}

/** The rest of the database's resources, for pricers whose size lives on a sibling (launch template, replica source). */
export interface PricerContext {
    resources: readonly PlannedResource[];
}

/** A string is the reason the resource cannot be priced at all. */
export type Pricer = (r: PlannedResource, ctx: PricerContext) => Part[] | string;

export const hourly = (what: string, key: string, quantity = 1, main = false): Part => ({ what, kind: "hourly", key, quantity, main });
export const monthly = (what: string, key: string, quantity: number): Part => ({ what, kind: "monthly", key, quantity });
/** A part whose size the inputs do not say: reported as unpriced, never as zero. */
export const unsized = (what: string): Part => ({ what, kind: "monthly", key: "unset", quantity: 0 });

export const num = (v: unknown): number | undefined => (v === undefined || v === null || v === "" || Number.isNaN(Number(v)) ? undefined : Number(v));

/** Resources registered under the same parent component (a launch template next to its group). */
export function siblings(r: PlannedResource, ctx: PricerContext, type: string): PlannedResource[] {
    return ctx.resources.filter((s) => s.type === type && s !== r && (s.parentUrn ?? s.parent) === (r.parentUrn ?? r.parent));
}
