export declare const THROWAWAY_FLAGS: string[]
export declare function startSharedPostgres(parent: string): Promise<{ url: string; root: string; stop(): Promise<void> }>
export declare function freePort(): Promise<number>
export function embeddedPostgresClass(major?: string): Promise<unknown>
