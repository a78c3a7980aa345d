// Types of log-scan-environment.js (plain JavaScript: Jest loads test environments without a transform).
export declare const hooksKey: symbol;

export interface EnvironmentLike {
  global: Record<string | symbol, unknown>;
  teardown(): Promise<void>;
  handleTestEvent?(event: { name: string }, state: { unhandledErrors: unknown[] }): unknown;
}

export declare function withLogScan<Base extends new (...args: never[]) => EnvironmentLike>(
  base: Base,
): new (
  ...args: ConstructorParameters<Base>
) => InstanceType<Base> & Required<Pick<EnvironmentLike, "handleTestEvent">>;
