/**
 * The part of rclnodejs (2.x) the node uses, written from its documented API (`types/*.d.ts`,
 * `lib/lifecycle.js`). rclnodejs is an optional dependency that builds only against a sourced
 * ROS 2, so its own types are not available to `tsc` here; this interface is the contract the
 * node is type-checked and tested against (the contract fake in test/ros implements it).
 */

/** rclnodejs `Time`: nanoseconds are a bigint since rclnodejs 0.31. */
export interface RclTime {
  readonly nanoseconds: bigint;
}

export interface RclLogger {
  debug(message: string): unknown;
  info(message: string): unknown;
  warn(message: string): unknown;
  error(message: string): unknown;
}

export interface RclPublisher {
  publish(message: object): void;
}

/** rclnodejs hands a subscription's messages over as plain objects (float64[] as Float64Array). */
export type RclSubscription = object;

export interface RclServiceResponse<R> {
  /** An empty response of the service's type. */
  readonly template: R;
  send(response: R): void;
}

export type RclService = object;

export interface RclTimer {
  cancel(): void;
}

export interface RclParameter {
  readonly name: string;
  readonly type: number;
  /** Integers may arrive as bigint. */
  readonly value: unknown;
}

export interface RclParameterDescriptor {
  additionalConstraints: string;
}

/** `{ qos }` takes a profile name such as `QoS.profileSensorData`. */
export interface RclEntityOptions {
  readonly qos: string;
  readonly enableTypedArray?: boolean;
}

export interface RclNode {
  name(): string;
  now(): RclTime;
  getLogger(): RclLogger;
  createPublisher(type: string, topic: string, options: RclEntityOptions): RclPublisher;
  createSubscription(type: string, topic: string, options: RclEntityOptions, callback: (message: unknown) => void): RclSubscription;
  createService(type: string, name: string, callback: (request: unknown, response: RclServiceResponse<object>) => void): RclService;
  /** The period is in nanoseconds. */
  createTimer(periodNs: bigint, callback: () => void): RclTimer;
  destroyPublisher(publisher: RclPublisher): void;
  destroySubscription(subscription: RclSubscription): void;
  destroyService(service: RclService): void;
  destroyTimer(timer: RclTimer): void;
  /** Returns the parameter with the override from `--params-file` or `-p` when there is one. */
  declareParameter(parameter: RclParameter, descriptor: RclParameterDescriptor): RclParameter;
  /** Overrides given for this node, declared or not. */
  getParameterOverrides(): RclParameter[];
  spin(): void;
}

/** A lifecycle transition callback gets the state left and returns one of `CallbackReturnCode`; rclnodejs does not await it. */
export type RclTransitionCallback = (previousState: unknown) => number;

export interface RclLifecycleNode extends RclNode {
  registerOnConfigure(callback: RclTransitionCallback): void;
  registerOnActivate(callback: RclTransitionCallback): void;
  registerOnDeactivate(callback: RclTransitionCallback): void;
  registerOnCleanup(callback: RclTransitionCallback): void;
  registerOnShutdown(callback: RclTransitionCallback): void;
  /** Each returns the state reached; a callback's FAILURE leaves the node where it was. */
  configure(): { readonly id: number; readonly label: string };
  activate(): { readonly id: number; readonly label: string };
  deactivate(): { readonly id: number; readonly label: string };
  shutdown(): { readonly id: number; readonly label: string };
}

export interface RclParameterTypes {
  readonly PARAMETER_BOOL: number;
  readonly PARAMETER_INTEGER: number;
  readonly PARAMETER_DOUBLE: number;
  readonly PARAMETER_STRING: number;
  readonly PARAMETER_STRING_ARRAY: number;
}

/** The module's exports the node uses. */
export interface Rclnodejs {
  /** Parses `--ros-args` out of argv (remaps, `-p`, `--params-file`). */
  init(context?: undefined, argv?: string[]): Promise<void>;
  shutdown(): void;
  readonly Parameter: new (name: string, type: number, value: unknown) => RclParameter;
  readonly ParameterDescriptor: new (name: string, type: number, description: string, readOnly: boolean) => RclParameterDescriptor;
  readonly ParameterType: RclParameterTypes;
  readonly QoS: { readonly profileSensorData: string; readonly profileDefault: string; readonly profileSystemDefault: string };
  readonly lifecycle: {
    readonly LifecycleNode: new (name: string) => RclLifecycleNode;
    readonly CallbackReturnCode: { readonly SUCCESS: number; readonly FAILURE: number; readonly ERROR: number };
  };
}
