import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";

/**
 * A rule reads `args` and reports sentences. Rules never call `args.notApplicable()`: a resource of
 * another type simply produces no violation, which keeps them callable from the offline checker and
 * from unit tests with hand-built args.
 */
export type Check = (args: ResourceValidationArgs, report: ReportViolation) => void;

/** Every dbplace policy: a resource policy with exactly one validation function. */
export type DbplacePolicy = ResourceValidationPolicy & { validateResource: Check };

/** A check over every resource of the stack at once, for properties no single resource shows. */
export type StackCheck = (args: StackValidationArgs, report: ReportViolation) => void;

export type DbplaceStackPolicy = StackValidationPolicy & { validateStack: StackCheck };
