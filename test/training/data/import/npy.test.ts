import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNpy } from '../../../../training/data/import/npy.js';
import { npyBytes, type NpyInput } from '../../../support/npy.js';

describe('.npy parsing', () => {
  it('reads every supported dtype with its shape', () => {
    const cases: [NpyInput, number[]][] = [
      [{ descr: '<f4', shape: [2, 2], data: Float32Array.from([1.5, -2, 3, 4]) }, [1.5, -2, 3, 4]],
      [{ descr: '<f8', shape: [3], data: Float64Array.from([0.1, 0.2, 0.3]) }, [0.1, 0.2, 0.3]],
      [{ descr: '|b1', shape: [3], data: Uint8Array.from([1, 0, 1]) }, [1, 0, 1]],
      [{ descr: '|u1', shape: [2], data: Uint8Array.from([7, 255]) }, [7, 255]],
      [{ descr: '<i4', shape: [2], data: Int32Array.from([-5, 6]) }, [-5, 6]],
      [{ descr: '<i8', shape: [2, 1], data: BigInt64Array.from([-3n, 2n ** 40n]) }, [-3, 2 ** 40]],
    ];
    for (const [input, values] of cases) {
      const a = parseNpy('x.npy', npyBytes(input));
      assert.deepEqual(a.shape, input.shape, input.descr);
      assert.deepEqual(Array.from({ length: a.data.length }, (_, i) => Number(a.data[i])), values, input.descr);
    }
  });

  it('reads data at any byte offset (arrays inside a zip need not be aligned)', () => {
    const bytes = npyBytes({ descr: '<f8', shape: [2], data: Float64Array.from([1, 2]) });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    assert.deepEqual(Array.from(parseNpy('x.npy', shifted.subarray(3)).data as Float64Array), [1, 2]);
  });

  it('refuses what it cannot read, saying what', () => {
    const f4 = (over: Partial<NpyInput>) => npyBytes({ descr: '<f4', shape: [2], data: new Float32Array(2), ...over });
    assert.throws(() => parseNpy('a.npy', f4({ descr: '>f4' })), /a\.npy: unsupported dtype '>f4'; supported: little-endian float32/);
    assert.throws(() => parseNpy('a.npy', f4({ descr: '<f2', data: new Uint8Array(4) })), /unsupported dtype '<f2'/);
    assert.throws(() => parseNpy('a.npy', f4({ fortranOrder: true })), /Fortran-order array/);
    const whole = f4({});
    assert.throws(() => parseNpy('a.npy', whole.subarray(0, whole.length - 2)), /truncated: shape \[2\] of '<f4' needs 8 bytes of data, the file has 6/);
    assert.throws(() => parseNpy('a.npy', new TextEncoder().encode('hello, this is text')), /not a \.npy array/);
  });
});
