import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auroc } from '../../../training/eval/auroc.js';

describe('auroc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one and 0.5 for ties', () => {
    assert.equal(auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), 1);
    assert.equal(auroc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]), 0);
    assert.equal(auroc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]), 0.5);
  });

  it('matches a hand count: 3 of 4 positive-negative pairs ordered, one tie', () => {
    // positives 0.6, 0.4; negatives 0.4, 0.2: pairs (0.6>0.4)=1, (0.6>0.2)=1, (0.4=0.4)=0.5, (0.4>0.2)=1
    assert.equal(auroc([0.6, 0.4, 0.4, 0.2], [1, 1, 0, 0]), 3.5 / 4);
  });

  it('is null without both classes', () => {
    assert.equal(auroc([0.1, 0.2], [0, 0]), null);
  });
});
