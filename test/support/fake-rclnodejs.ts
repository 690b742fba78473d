/**
 * A contract fake of the rclnodejs surface in ros/rclnodejs-api.ts: what the node relies on, and
 * nothing more. It keeps rclnodejs's observable behaviour where the node depends on it:
 * - declareParameter returns the override of a name when one was given (`--params-file`, `-p`),
 *   refuses an override of another type, and refuses a second declaration;
 * - lifecycle transitions run the registered callback synchronously; SUCCESS reaches the goal
 *   state, FAILURE goes back to the start state, ERROR ends unconfigured (no error callback);
 * - subscriptions receive what is published on their topic; a service answers through
 *   `response.send(response.template)`; timers fire on the node's clock, here moved by the test.
 * Published messages are recorded as copies, as they would leave the process.
 */
import type {
  RclEntityOptions,
  RclLifecycleNode,
  RclLogger,
  RclParameter,
  RclParameterDescriptor,
  RclPublisher,
  RclServiceResponse,
  RclTimer,
  RclTransitionCallback,
  Rclnodejs,
} from '../../ros/index.js';

const TYPES = { PARAMETER_BOOL: 1, PARAMETER_INTEGER: 2, PARAMETER_DOUBLE: 3, PARAMETER_STRING: 4, PARAMETER_STRING_ARRAY: 9 } as const;
const CODES = { SUCCESS: 97, FAILURE: 98, ERROR: 99 } as const;

class FakeParameter implements RclParameter {
  constructor(
    readonly name: string,
    readonly type: number,
    readonly value: unknown,
  ) {
    const ok =
      type === TYPES.PARAMETER_BOOL ? typeof value === 'boolean'
      : type === TYPES.PARAMETER_INTEGER ? typeof value === 'bigint'
      : type === TYPES.PARAMETER_DOUBLE ? typeof value === 'number'
      : type === TYPES.PARAMETER_STRING ? typeof value === 'string'
      : Array.isArray(value) && value.every((v) => typeof v === 'string');
    if (!ok) throw new TypeError(`Invalid value for parameter ${name}: ${String(value)}`);
  }
}

class FakeDescriptor implements RclParameterDescriptor {
  additionalConstraints = '';
  constructor(
    readonly name: string,
    readonly type: number,
    readonly description: string,
    readonly readOnly: boolean,
  ) {}
}

export interface Published {
  readonly type: string;
  readonly topic: string;
  readonly qos: string;
  readonly messages: unknown[];
}

interface Subscription {
  readonly type: string;
  readonly topic: string;
  readonly qos: string;
  readonly callback: (message: unknown) => void;
}

interface Timer extends RclTimer {
  readonly periodNs: bigint;
  nextNs: bigint;
  readonly callback: () => void;
  cancelled: boolean;
}

type Transition = 'configure' | 'activate' | 'deactivate' | 'cleanup' | 'shutdown';
const TRANSITIONS: Record<Transition, { from: string[]; to: string }> = {
  configure: { from: ['unconfigured'], to: 'inactive' },
  activate: { from: ['inactive'], to: 'active' },
  deactivate: { from: ['active'], to: 'inactive' },
  cleanup: { from: ['inactive'], to: 'unconfigured' },
  shutdown: { from: ['unconfigured', 'inactive', 'active'], to: 'finalized' },
};

export class FakeLifecycleNode implements RclLifecycleNode {
  state = 'unconfigured';
  clockNs: bigint;
  readonly logs: { level: 'debug' | 'info' | 'warn' | 'error'; message: string }[] = [];
  readonly publishers: Published[] = [];
  readonly subscriptions: Subscription[] = [];
  readonly services = new Map<string, (request: unknown, response: RclServiceResponse<object>) => void>();
  readonly timers: Timer[] = [];
  readonly descriptors = new Map<string, FakeDescriptor>();
  readonly #declared = new Set<string>();
  readonly #callbacks = new Map<Transition, RclTransitionCallback>();

  constructor(
    readonly nodeName: string,
    readonly overrides: ReadonlyMap<string, unknown>,
    startNs: bigint,
  ) {
    this.clockNs = startNs;
  }

  name(): string {
    return this.nodeName;
  }

  now() {
    return { nanoseconds: this.clockNs };
  }

  getLogger(): RclLogger {
    const log = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string) => this.logs.push({ level, message });
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  }

  createPublisher(type: string, topic: string, options: RclEntityOptions): RclPublisher & Published {
    const p = { type, topic, qos: options.qos, messages: [] as unknown[], publish: (m: object) => void p.messages.push(structuredClone(m)) };
    this.publishers.push(p);
    return p;
  }

  createSubscription(type: string, topic: string, options: RclEntityOptions, callback: (message: unknown) => void): object {
    const s = { type, topic, qos: options.qos, callback };
    this.subscriptions.push(s);
    return s;
  }

  createService(type: string, name: string, callback: (request: unknown, response: RclServiceResponse<object>) => void): object {
    if (type !== 'std_srvs/srv/SetBool') throw new Error(`the fake serves std_srvs/srv/SetBool only, not ${type}`);
    this.services.set(name, callback);
    return { name };
  }

  createTimer(periodNs: bigint, callback: () => void): RclTimer {
    const t: Timer = { periodNs, nextNs: this.clockNs + periodNs, callback, cancelled: false, cancel: () => void (t.cancelled = true) };
    this.timers.push(t);
    return t;
  }

  destroyPublisher(publisher: RclPublisher): void {
    this.publishers.splice(this.publishers.indexOf(publisher as RclPublisher & Published), 1);
  }

  destroySubscription(subscription: object): void {
    this.subscriptions.splice(this.subscriptions.indexOf(subscription as Subscription), 1);
  }

  destroyService(service: object): void {
    this.services.delete((service as { name: string }).name);
  }

  destroyTimer(timer: RclTimer): void {
    timer.cancel();
    this.timers.splice(this.timers.indexOf(timer as Timer), 1);
  }

  declareParameter(parameter: RclParameter, descriptor: RclParameterDescriptor): RclParameter {
    if (this.#declared.has(parameter.name)) throw new Error(`parameter ${parameter.name} is already declared`);
    this.#declared.add(parameter.name);
    this.descriptors.set(parameter.name, descriptor as FakeDescriptor);
    if (!this.overrides.has(parameter.name)) return parameter;
    return new FakeParameter(parameter.name, parameter.type, this.overrides.get(parameter.name));
  }

  getParameterOverrides(): RclParameter[] {
    return [...this.overrides].map(([name, value]) => ({ name, type: 0, value }));
  }

  spin(): void {}

  registerOnConfigure(cb: RclTransitionCallback): void {
    this.#callbacks.set('configure', cb);
  }

  registerOnActivate(cb: RclTransitionCallback): void {
    this.#callbacks.set('activate', cb);
  }

  registerOnDeactivate(cb: RclTransitionCallback): void {
    this.#callbacks.set('deactivate', cb);
  }

  registerOnCleanup(cb: RclTransitionCallback): void {
    this.#callbacks.set('cleanup', cb);
  }

  registerOnShutdown(cb: RclTransitionCallback): void {
    this.#callbacks.set('shutdown', cb);
  }

  #change(transition: Transition) {
    const { from, to } = TRANSITIONS[transition];
    if (!from.includes(this.state)) throw new Error(`No transition available from state ${this.state}.`);
    const start = this.state;
    const code = this.#callbacks.get(transition)?.({ label: start }) ?? CODES.SUCCESS;
    this.state = code === CODES.SUCCESS ? to : code === CODES.FAILURE ? start : 'unconfigured';
    return { id: 0, label: this.state };
  }

  configure() {
    return this.#change('configure');
  }

  activate() {
    return this.#change('activate');
  }

  deactivate() {
    return this.#change('deactivate');
  }

  cleanup() {
    return this.#change('cleanup');
  }

  shutdown() {
    return this.#change('shutdown');
  }

  // What the test does as the rest of the ROS graph.

  /** Delivers a message to this node's subscriptions on `topic`. */
  deliver(topic: string, message: unknown): void {
    const subs = this.subscriptions.filter((s) => s.topic === topic);
    if (subs.length === 0) throw new Error(`nothing subscribes to ${topic}`);
    for (const s of subs) s.callback(structuredClone(message));
  }

  publisher(topic: string): Published {
    const p = this.publishers.find((x) => x.topic === topic);
    if (!p) throw new Error(`nothing is published on ${topic}`);
    return p;
  }

  /** Calls a SetBool service as `ros2 service call` would. */
  callSetBool(name: string, data: boolean): { success: boolean; message: string } {
    const handler = this.services.get(name);
    if (!handler) throw new Error(`no service ${name}`);
    let answer: { success: boolean; message: string } | null = null;
    handler({ data }, { template: { success: false, message: '' }, send: (r) => void (answer = r as { success: boolean; message: string }) });
    if (!answer) throw new Error(`${name} sent no response`);
    return answer;
  }

  /** Moves the clock by `ns`, firing due timers in time order; `settle` runs after each (to let asynchronous decisions finish). */
  async advance(ns: bigint, settle: () => Promise<void>): Promise<void> {
    const end = this.clockNs + ns;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.nextNs <= end).sort((a, b) => Number(a.nextNs - b.nextNs))[0];
      if (!due) break;
      this.clockNs = due.nextNs;
      due.nextNs += due.periodNs;
      due.callback();
      await settle();
    }
    this.clockNs = end;
  }
}

export class FakeRclnodejs implements Rclnodejs {
  readonly Parameter = FakeParameter;
  readonly ParameterDescriptor = FakeDescriptor;
  readonly ParameterType = TYPES;
  readonly QoS = { profileSensorData: 'qos_profile_sensor_data', profileDefault: 'qos_profile_default', profileSystemDefault: 'qos_profile_system_default' };
  readonly lifecycle: Rclnodejs['lifecycle'];
  initArgv: string[] | null = null;
  shutDown = false;
  readonly nodes: FakeLifecycleNode[] = [];

  /** `overrides` are what `--params-file` and `-p` would give the node. */
  constructor(overrides: Readonly<Record<string, unknown>> = {}, startNs = 1_700_000_000_000_000_000n) {
    const nodes = this.nodes;
    const map = new Map(Object.entries(overrides));
    this.lifecycle = {
      LifecycleNode: class extends FakeLifecycleNode {
        constructor(name: string) {
          super(name, map, startNs);
          nodes.push(this);
        }
      },
      CallbackReturnCode: CODES,
    };
  }

  async init(_context?: undefined, argv?: string[]): Promise<void> {
    this.initArgv = argv ?? [];
  }

  shutdown(): void {
    this.shutDown = true;
  }
}
