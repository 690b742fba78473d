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

/**
 * A MuJoCo model with its data and the lookups every domain needs. Arrays such as `data.qpos`
 * are live views into WASM memory: read them right after a step, copy what must be kept.
 */
export class MujocoSim {
  readonly data: MjData;

  constructor(
    readonly mj: MainModule,
    readonly model: MjModel,
  ) {
    this.data = new mj.MjData(model);
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
    const c = this.data.ctrl as Float64Array;
    for (let i = 0; i < c.length; i++) c[i] = ctrl[i];
    for (let k = 0; k < frameSkip; k++) this.mj.mj_step(this.model, this.data);
  }

  /** Resets to the model's initial state, then writes `qpos`/`qvel` and recomputes derived quantities. */
  setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): void {
    this.mj.mj_resetData(this.model, this.data);
    (this.data.qpos as Float64Array).set(qpos);
    (this.data.qvel as Float64Array).set(qvel);
    this.mj.mj_forward(this.model, this.data);
  }

  /** True when the current contact list holds a contact between the two geoms (either order). */
  hasContact(geomA: number, geomB: number): boolean {
    const n = this.data.ncon;
    if (n === 0) return false;
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

  close(): void {
    this.data.delete();
    this.model.delete();
  }
}
