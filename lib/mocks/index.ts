import { AWS_INVOKES, AWS_STATE } from "./aws";
import { GCP_INVOKES, GCP_STATE } from "./gcp";
import { LOCAL_INVOKES, LOCAL_STATE } from "./local";
import { InvokeHook, StateHook } from "./state";

export * from "./state";

/** Every cloud's computed-state and invoke tables. Cloud files own their rows; this file only merges. */
export const STATE_HOOKS: Record<string, StateHook> = { ...AWS_STATE, ...GCP_STATE, ...LOCAL_STATE };
export const INVOKE_HOOKS: Record<string, InvokeHook> = { ...AWS_INVOKES, ...GCP_INVOKES, ...LOCAL_INVOKES };
