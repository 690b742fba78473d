import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { BundleError, readBundle, readBundleModels, stageBundle, writeBundle } from '../../../models/format/index.js';
import { fakeOnnx, sampleDraft, tempFolder } from '../../support/bundle.js';

describe('model bundle: write and read', () => {
  let root: { path: string; remove: () => Promise<void> };
  let dir: string;
  beforeEach(async () => {
    root = await tempFolder();
    dir = join(root.path, 'models', 'nav');
  });
  afterEach(() => root.remove());

  const write = (name: string) => writeBundle(dir, { manifest: sampleDraft(name), criticOnnx: fakeOnnx(`${name} critic`), recoveryOnnx: fakeOnnx(`${name} recovery`) });

  it('reads back the same bytes and manifest it wrote, creating missing parent folders', async () => {
    const written = await write('v1');
    const bundle = await readBundle(dir);
    assert.deepEqual(bundle.criticOnnx, fakeOnnx('v1 critic'));
    assert.deepEqual(bundle.recoveryOnnx, fakeOnnx('v1 recovery'));
    assert.deepEqual(bundle.manifest, written);
    assert.deepEqual({ ...bundle.manifest, files: undefined }, { ...sampleDraft('v1'), files: undefined });
    assert.match(bundle.manifest.files.critic.sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual((await readdir(dir)).sort(), ['critic.onnx', 'manifest.json', 'recovery.onnx']);
  });

  it('reads only what running needs with readBundleModels: damaged training files stop training, not the shield', async () => {
    const training = { state: new TextEncoder().encode('{"step":1}'), tensors: new Uint8Array(1 << 20).fill(7) };
    await writeBundle(dir, { manifest: sampleDraft('v1'), criticOnnx: fakeOnnx('v1 critic'), recoveryOnnx: fakeOnnx('v1 recovery'), training });
    assert.deepEqual((await readBundle(dir)).training, training);
    const tensorsPath = join(dir, (await readBundle(dir)).manifest.files.trainingTensors!.path);
    await writeFile(tensorsPath, new Uint8Array(1 << 20).fill(8));
    await assert.rejects(readBundle(dir), /does not match its sha256/);
    const models = await readBundleModels(dir);
    assert.deepEqual(models.criticOnnx, fakeOnnx('v1 critic'));
    assert.deepEqual(models.recoveryOnnx, fakeOnnx('v1 recovery'));
    await writeFile(join(dir, 'critic.onnx'), fakeOnnx('tampered'));
    await assert.rejects(readBundleModels(dir), /critic\.onnx does not match its sha256/);
  });

  it('keeps infinite observation bounds through JSON as "-inf" / "inf"', async () => {
    await write('v1');
    const json = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    assert.deepEqual(json.observation, { size: 2, low: ['-inf', -5], high: ['inf', 5] });
    const { manifest } = await readBundle(dir);
    assert.deepEqual(manifest.observation.low, [-Infinity, -5]);
    assert.deepEqual(manifest.observation.high, [Infinity, 5]);
  });

  it('replaces a bundle only when the new one is complete, leaving no temporary folder', async () => {
    await write('v1');
    const staged = await stageBundle(dir, { manifest: sampleDraft('v2'), criticOnnx: fakeOnnx('v2 critic'), recoveryOnnx: fakeOnnx('v2 recovery') });
    assert.equal((await readBundle(dir)).manifest.name, 'v1', 'the old bundle is untouched while the new one is staged');
    assert.equal((await readBundle(staged.path)).manifest.name, 'v2', 'the staged bundle is complete');
    assert.match(staged.path, /[/\\]\.nav\.staging-[^/\\]+$/);
    await staged.commit();
    const bundle = await readBundle(dir);
    assert.equal(bundle.manifest.name, 'v2');
    assert.deepEqual(bundle.criticOnnx, fakeOnnx('v2 critic'));
    assert.deepEqual(await readdir(join(root.path, 'models')), ['nav']);
    await assert.rejects(staged.commit(), /already committed/);
  });

  it('leaves the old bundle and no temporary folder when the new manifest is invalid', async () => {
    await write('v1');
    const bad = { ...sampleDraft('v2'), neutralAction: [0, 2] };
    await assert.rejects(writeBundle(dir, { manifest: bad, criticOnnx: fakeOnnx('c'), recoveryOnnx: fakeOnnx('r') }), (e: unknown) => {
      assert.ok(e instanceof BundleError);
      assert.match(e.message, /^model bundle .*nav: invalid manifest: neutralAction\[1\]: 2 is outside the action bounds \[-1, 1\]/);
      return true;
    });
    assert.equal((await readBundle(dir)).manifest.name, 'v1');
    assert.deepEqual(await readdir(join(root.path, 'models')), ['nav']);
  });

  it('discards a staged bundle on request', async () => {
    const staged = await stageBundle(dir, { manifest: sampleDraft(), criticOnnx: fakeOnnx('c'), recoveryOnnx: fakeOnnx('r') });
    await staged.discard();
    assert.deepEqual(await readdir(join(root.path, 'models')), []);
  });

  it('refuses to replace a folder that holds files other than a bundle', async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'thesis.tex'), 'precious');
    await assert.rejects(write('v1'), /holds files that are not part of a bundle \(thesis.tex\); refusing to replace it/);
    assert.deepEqual(await readdir(dir), ['thesis.tex']);
    assert.deepEqual(await readdir(join(root.path, 'models')), ['nav']);
  });

  it('rejects empty model bytes', async () => {
    await assert.rejects(writeBundle(dir, { manifest: sampleDraft(), criticOnnx: new Uint8Array(0), recoveryOnnx: fakeOnnx('r') }), /criticOnnx must be a non-empty Uint8Array/);
  });

  it('names the corrupted file when a byte changes', async () => {
    await write('v1');
    const path = join(dir, 'recovery.onnx');
    const bytes = await readFile(path);
    bytes[3] ^= 1;
    await writeFile(path, bytes);
    await assert.rejects(readBundle(dir), (e: unknown) => {
      assert.ok(e instanceof BundleError);
      assert.equal(e.dir, dir);
      assert.match(e.message, /recovery\.onnx does not match its sha256 in manifest\.json \(expected [0-9a-f]{64}, file has [0-9a-f]{64}\)/);
      return true;
    });
  });

  it('names a missing model file, a missing manifest and a missing folder', async () => {
    await write('v1');
    await rm(join(dir, 'critic.onnx'));
    await assert.rejects(readBundle(dir), new RegExp(`^BundleError: model bundle ${escape(dir)}: critic\\.onnx is missing$`));
    await rm(join(dir, 'manifest.json'));
    await assert.rejects(readBundle(dir), /: manifest\.json is missing$/);
    await assert.rejects(readBundle(join(root.path, 'nowhere')), /nowhere: folder does not exist$/);
    await writeFile(join(root.path, 'file'), '');
    await assert.rejects(readBundle(join(root.path, 'file')), /file: is not a folder$/);
  });

  it('reports a manifest that is not JSON', async () => {
    await write('v1');
    await writeFile(join(dir, 'manifest.json'), '{ "formatVersion": 1,');
    await assert.rejects(readBundle(dir), /manifest\.json is not valid JSON: /);
  });

  const edits: [string, (m: Record<string, any>) => void, RegExp][] = [
    ['a neutral action out of bounds', (m) => (m.neutralAction = [0, -1.5]), /neutralAction\[1\]: -1\.5 is outside the action bounds \[-1, 1\]/],
    ['a neutral action of the wrong length', (m) => (m.neutralAction = [0]), /neutralAction: has 1 entries, expected 2 \(action\.size\)/],
    ['bounds of the wrong length', (m) => (m.observation.high = ['inf']), /observation\.high: has 1 entries, expected 2 \(observation\.size\)/],
    ['low above high', (m) => (m.action.low = [-1, 2]), /action\.low\[1\]: 2 is above action\.high\[1\] = 1/],
    ['an infinite action bound', (m) => (m.action.high = [1, 'inf']), /action\.high\[1\]: Invalid input: expected number/],
    ['"inf" as a lower bound', (m) => (m.observation.low = ['inf', -5]), /observation\.low\[0\]: expected a finite number or "-inf"/],
    ['eps_risk out of (0, 1)', (m) => (m.risk.epsRisk = 1.5), /risk\.epsRisk: Too big/],
    ['gamma_risk out of (0, 1)', (m) => (m.risk.gammaRisk = 0), /risk\.gammaRisk: Too small/],
    ['a normalization of the wrong length', (m) => (m.normalization = { mean: [0, 0], std: [1] }), /normalization\.std: has 1 entries, expected 2/],
    ['a zero normalization std', (m) => (m.normalization = { mean: [0, 0], std: [1, 0] }), /normalization\.std\[1\]: Too small/],
    ['another format version', (m) => (m.formatVersion = 2), /formatVersion: unsupported format version 2; this reader understands version 1/],
    ['an unknown key', (m) => (m.risk.epsilon = 0.1), /risk: Unrecognized key: "epsilon"/],
    ['a file name other than critic.onnx', (m) => (m.files.critic.path = '../critic.onnx'), /files\.critic\.path: Invalid input: expected "critic\.onnx"/],
    ['a bad hash', (m) => (m.files.recovery.sha256 = 'abc'), /files\.recovery\.sha256: expected 64 lower-case hex digits/],
    ['wrong critic input names', (m) => (m.models.critic.inputs = ['obs', 'action']), /models\.critic\.inputs\[0\]: Invalid input: expected "observation"/],
    ['a bad provenance method', (m) => (m.provenance.method = 'ppo'), /provenance\.method: Invalid option/],
    ['a bad creation date', (m) => (m.provenance.createdAt = 'yesterday'), /provenance\.createdAt: Invalid ISO datetime/],
  ];
  for (const [what, edit, message] of edits) {
    it(`names the key path of ${what}`, async () => {
      await write('v1');
      const path = join(dir, 'manifest.json');
      const json = JSON.parse(await readFile(path, 'utf8'));
      edit(json);
      await writeFile(path, JSON.stringify(json));
      await assert.rejects(readBundle(dir), (e: unknown) => {
        assert.ok(e instanceof BundleError, String(e));
        assert.match(e.message, /manifest\.json is invalid: /);
        assert.match(e.message, message);
        return true;
      });
    });
  }
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
