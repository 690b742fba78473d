import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManifestError, encodeManifest, parseManifest, type Manifest } from '../../../models/format/index.js';
import { sampleDraft } from '../../support/bundle.js';

const files = { critic: { path: 'critic.onnx', sha256: 'a'.repeat(64) }, recovery: { path: 'recovery.onnx', sha256: 'b'.repeat(64) } } as const;
const manifest = (): Manifest => ({ ...sampleDraft(), files: structuredClone(files) });
const throughJson = (m: Manifest): Record<string, any> => JSON.parse(JSON.stringify(encodeManifest(m)));

describe('model bundle manifest', () => {
  it('survives encode, JSON and parse unchanged, infinite bounds included', () => {
    assert.deepEqual(parseManifest(throughJson(manifest())), manifest());
  });

  it('accepts a normalization, notes and a creation time with an offset', () => {
    const m = { ...manifest(), normalization: { mean: [0, 1], std: [1, 2] } };
    const json = throughJson(m);
    json.provenance.notes = 'exported from PyTorch';
    json.provenance.createdAt = '2026-11-25T11:00:00+01:00';
    const parsed = parseManifest(json);
    assert.deepEqual(parsed.normalization, { mean: [0, 1], std: [1, 2] });
    assert.equal(parsed.provenance.notes, 'exported from PyTorch');
  });

  it('reports every schema problem of a manifest in one error, each with its key path', () => {
    const json = throughJson(manifest());
    json.risk.epsRisk = 0;
    json.name = '';
    json.extra = true;
    assert.throws(
      () => parseManifest(json),
      (e: unknown) => {
        assert.ok(e instanceof ManifestError);
        assert.deepEqual(
          e.problems.map((p) => p.split(':')[0]),
          ['name', 'risk.epsRisk', '(top level)'],
        );
        return true;
      },
    );
  });

  it('rejects what is not an object', () => {
    assert.throws(() => parseManifest([1, 2]), /\(top level\): Invalid input: expected object/);
  });
});
