// The dashboard's text helpers, run in Node without a browser: counts with their nouns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { count } from '../../dashboard/src/ui.js';

test('a count is singular only for exactly one', () => {
  assert.equal(count(1, 'WebSocket'), '1 WebSocket');
  assert.equal(count(0, 'WebSocket'), '0 WebSockets');
  assert.equal(count(2, 'sample'), '2 samples');
  assert.equal(count(1, 'sample'), '1 sample');
  assert.equal(count(12500, 'item'), '12.5k items');
  assert.equal(count(1, 'batch', 'batches'), '1 batch');
  assert.equal(count(3, 'batch', 'batches'), '3 batches');
});
