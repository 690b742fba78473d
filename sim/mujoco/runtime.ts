import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import loadMujocoModule, { type MainModule, type MjData, type MjModel } from 'mujoco';
import { packageRoot } from '../core/package-root.js';

let modulePromise: Promise<MainModule> | undefined;
let fileCounter = 0;

/** The MuJoCo WASM module, loaded once per process. */
export function loadMujoco(): Promise<MainModule> {
  modulePromise ??= loadMujocoModule();
  return modulePromise;
}

/** Text of an MJCF file shipped in `sim/assets/`. */
export function readAsset(fileName: string): string {
  return readFileSync(join(packageRoot(), 'sim', 'assets', fileName), 'utf8');
}

/** Compiles MJCF text into a model; the error names the model and MuJoCo's reason. */
export function compileModel(mj: MainModule, xml: string, label: string): MjModel {
  if (fileCounter === 0) mj.FS.mkdir('/mesa');
  const path = `/mesa/${label}-${fileCounter++}.xml`;
  mj.FS.writeFile(path, xml);
  try {
    return mj.MjModel.mj_loadXML(path);
  } catch (e) {
    throw new Error(`MuJoCo could not load the ${label} model: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    mj.FS.unlink(path);
  }
}

type NumericArray = Float64Array | Float32Array | Int32Array | Uint8Array;

/**
 * A MuJoCo model with its data and the lookups every domain needs. Arrays such as `data.qpos`
 * are live views into WASM memory: read them right after a step, copy what must be kept.
 */
export class MujocoSim {
  readonly data: MjData;
  /** Whether position/velocity-dependent quantities match qpos/qvel (see `stepAndForward`). */
  #derivedCurrent = false;
  /** Read once: every `model.opt` access builds a new embind handle. */
  readonly #splitStep: boolean;
  readonly #views = new Map<string, NumericArray>();
  readonly #planeType: number;
  readonly #hfieldType: number;

  constructor(
    readonly mj: MainModule,
    readonly model: MjModel,
  ) {
    this.data = new mj.MjData(model);
    this.#splitStep = model.opt.integrator !== mj.mjtIntegrator.mjINT_RK4.value;
    this.#planeType = mj.mjtGeom.mjGEOM_PLANE.value;
    this.#hfieldType = mj.mjtGeom.mjGEOM_HFIELD.value;
  }

  /**
   * A cached typed-array view of a model field (e.g. `geom_rbound`). Embind builds a fresh view on
   * every field access (about 0.3 µs); a cached one stays valid because MuJoCo never moves these
   * arrays, until WASM memory grows and detaches the buffer, which empties the view.
   */
  modelArray<T extends NumericArray = Float64Array>(field: keyof MjModel & string): T {
    return this.#view('m', this.model, field) as T;
  }

  /** Same as `modelArray` for a data field (e.g. `qpos`); the values are live, so copy what must be kept. */
  dataArray<T extends NumericArray = Float64Array>(field: keyof MjData & string): T {
    return this.#view('d', this.data, field) as T;
  }

  #view(prefix: string, owner: MjModel | MjData, field: string): NumericArray {
    const key = prefix + field;
    let v = this.#views.get(key);
    if (v === undefined || (v.length === 0 && v.buffer.byteLength === 0)) {
      v = (owner as unknown as Record<string, NumericArray>)[field];
      if (!ArrayBuffer.isView(v)) throw new Error(`MuJoCo field "${field}" is not an array`);
      this.#views.set(key, v);
    }
    return v;
  }

  #id(kind: 'geom' | 'body' | 'joint' | 'actuator', name: string): number {
    const obj = {
      geom: this.mj.mjtObj.mjOBJ_GEOM,
      body: this.mj.mjtObj.mjOBJ_BODY,
      joint: this.mj.mjtObj.mjOBJ_JOINT,
      actuator: this.mj.mjtObj.mjOBJ_ACTUATOR,
    }[kind].value;
    const id = this.mj.mj_name2id(this.model, obj, name);
    if (id < 0) throw new Error(`MuJoCo model has no ${kind} named "${name}"`);
    return id;
  }

  geomId(name: string): number {
    return this.#id('geom', name);
  }
  bodyId(name: string): number {
    return this.#id('body', name);
  }
  jointId(name: string): number {
    return this.#id('joint', name);
  }
  actuatorId(name: string): number {
    return this.#id('actuator', name);
  }

  /** Sets the controls and advances `frameSkip` physics steps. */
  step(ctrl: ArrayLike<number>, frameSkip: number): void {
    this.#writeCtrl(ctrl);
    for (let k = 0; k < frameSkip; k++) this.mj.mj_step(this.model, this.data);
    this.#derivedCurrent = false;
  }

  /**
   * Like `step`, but afterwards every position- and velocity-dependent quantity (contact list, body
   * and subtree COMs, body velocities) describes the state reached, as if `mj_forward` had been
   * called after the step (what the reference's environments did). After a plain `mj_step` those
   * quantities still describe the state before the last integration.
   *
   * For Euler and the implicit integrators MuJoCo allows splitting a step into `mj_step1` (position
   * and velocity stages) and `mj_step2` (actuation, acceleration, integration); running `mj_step2`
   * then `mj_step1` gives the same trajectory as `mj_step` + `mj_forward` for the cost of one step.
   * RK4 cannot be split, so it takes the slow route. Change the state only through `setState`
   * (or `step`) so the split knows whether the position/velocity stages are current.
   */
  stepAndForward(ctrl: ArrayLike<number>, frameSkip: number): void {
    this.#writeCtrl(ctrl);
    if (!this.#splitStep) {
      for (let k = 0; k < frameSkip; k++) this.mj.mj_step(this.model, this.data);
      this.mj.mj_forward(this.model, this.data);
    } else {
      if (!this.#derivedCurrent) this.mj.mj_step1(this.model, this.data);
      for (let k = 0; k < frameSkip; k++) {
        this.mj.mj_step2(this.model, this.data);
        this.mj.mj_step1(this.model, this.data);
      }
    }
    this.#derivedCurrent = true;
  }

  #writeCtrl(ctrl: ArrayLike<number>): void {
    const c = this.dataArray('ctrl');
    for (let i = 0; i < c.length; i++) c[i] = ctrl[i];
  }

  /** Resets to the model's initial state, then writes `qpos`/`qvel` and recomputes derived quantities. */
  setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): void {
    this.mj.mj_resetData(this.model, this.data);
    (this.data.qpos as Float64Array).set(qpos);
    (this.data.qvel as Float64Array).set(qvel);
    this.mj.mj_forward(this.model, this.data);
    this.#derivedCurrent = true;
  }

  /** True when the current contact list holds a contact between the two geoms (either order). */
  hasContact(geomA: number, geomB: number): boolean {
    const n = this.data.ncon;
    if (n === 0 || this.#certainlyApart(geomA, geomB)) return false;
    const contacts = this.data.contact;
    try {
      for (let i = 0; i < n; i++) {
        const c = contacts.get(i);
        if (!c) continue;
        const g1 = c.geom1;
        const g2 = c.geom2;
        c.delete();
        if ((g1 === geomA && g2 === geomB) || (g1 === geomB && g2 === geomA)) return true;
      }
      return false;
    } finally {
      contacts.delete();
    }
  }

  /**
   * Conservative bounding-sphere test on the geom poses of the last collision pass (the same pass
   * that built the contact list), so the common "far apart" case skips copying the contact list
   * out of WASM. True only when MuJoCo cannot have produced a contact for the pair; planes are
   * handled as half-spaces, other unbounded geoms (height fields) always fall through to the list.
   */
  #certainlyApart(a: number, b: number): boolean {
    const type = this.modelArray<Int32Array>('geom_type');
    const rbound = this.modelArray('geom_rbound');
    const margin = this.modelArray('geom_margin');
    const plane = this.#planeType;
    const hfield = this.#hfieldType;
    const ta = type[a];
    const tb = type[b];
    if (ta === hfield || tb === hfield || (ta === plane && tb === plane)) return false;
    const slack = margin[a] + margin[b] + 1e-9;
    const pos = this.dataArray('geom_xpos');
    if (ta === plane || tb === plane) {
      const [p, g] = ta === plane ? [a, b] : [b, a];
      if (!(rbound[g] > 0)) return false;
      const mat = this.dataArray('geom_xmat');
      // The plane's normal is its local z axis: the third column of the row-major rotation.
      const height =
        (pos[3 * g] - pos[3 * p]) * mat[9 * p + 2] +
        (pos[3 * g + 1] - pos[3 * p + 1]) * mat[9 * p + 5] +
        (pos[3 * g + 2] - pos[3 * p + 2]) * mat[9 * p + 8];
      return height - rbound[g] > slack;
    }
    if (!(rbound[a] > 0 && rbound[b] > 0)) return false;
    const dist = Math.hypot(pos[3 * a] - pos[3 * b], pos[3 * a + 1] - pos[3 * b + 1], pos[3 * a + 2] - pos[3 * b + 2]);
    return dist - rbound[a] - rbound[b] > slack;
  }

  close(): void {
    this.#views.clear();
    this.data.delete();
    this.model.delete();
  }
}
