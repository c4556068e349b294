import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compactPlainText } from './compact-text.ts';

test('trailing spaces go and runs of 3+ blank lines collapse to one blank line', () => {
  assert.equal(compactPlainText('a  \nb\t\n\n\n\n\nc \n\nd'), 'a\nb\n\nc\n\nd');
  assert.equal(compactPlainText('x\r\n\r\n\r\n\r\ny  '), 'x\r\n\r\ny');
});

test('text with neither is returned as the same string, two blank lines kept', () => {
  const text = 'line one\n\n\nline two\n  indented';
  assert.equal(compactPlainText(text), text);
});
