export declare const agentV8Flags: readonly string[];
export declare const agentNodeFlags: readonly string[];
