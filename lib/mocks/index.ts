import { LOCAL_INVOKES, LOCAL_STATE } from "./local";
import { InvokeHook, StateHook } from "./state";

export * from "./state";

/** Every cloud's computed-state and invoke tables. Cloud files own their rows; this file only merges. */
export const STATE_HOOKS: Record<string, StateHook> = { ...LOCAL_STATE };
export const INVOKE_HOOKS: Record<string, InvokeHook> = { ...LOCAL_INVOKES };
