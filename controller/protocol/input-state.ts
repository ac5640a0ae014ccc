// The words for ISTATR values, shared by the command log, the CLI and the UI.

/** ISTATR values; 2-5 are OSDP v2.2.2 supervised-input states. */
export const INPUT_STATE = ['inactive', 'active', 'short', 'open', 'fault', 'unknown'] as const;
export type InputStateName = (typeof INPUT_STATE)[number];
export const inputStateName = (v: number): InputStateName | `other-${number}` => INPUT_STATE[v] ?? `other-${v}`;
