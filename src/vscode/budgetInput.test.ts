import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBudget } from './budgetInput';

test('parseBudget takes positive USD amounts, empty removes, anything else is refused', () => {
  assert.equal(parseBudget('25'), 25);
  assert.equal(parseBudget(' 7.50 '), 7.5);
  assert.equal(parseBudget('$1,250.5'), 1250.5);
  assert.equal(parseBudget('.5'), 0.5);
  assert.equal(parseBudget(''), null);
  assert.equal(parseBudget('   '), null);
  for (const bad of ['0', '0.00', '-5', 'abc', '1e3', '5 USD', 'Infinity', '1.2.3', '$']) assert.equal(parseBudget(bad), undefined, bad);
});
