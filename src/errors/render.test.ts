// Tests for error rendering: every code's status, body per client dialect, headers and stream events.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { type ErrorCode, errorCodes, retryableCodes } from './codes.ts';
import { GatewayError, toGatewayError } from './gateway-error.ts';
import { errorBody, renderError, renderStreamError } from './render.ts';

const allCodes = Object.keys(errorCodes) as ErrorCode[];

interface OpenaiErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

interface AnthropicErrorBody {
  type: string;
  error: { type: string; message: string; code?: string };
}

describe('renderError for every code', () => {
  for (const code of allCodes) {
    const entry = errorCodes[code];

    test(`${code}: OpenAI body, status and headers`, () => {
      const rendered = renderError(new GatewayError(code, `failed: ${code}`), 'openai');
      assert.equal(rendered.status, entry.status);
      assert.equal(rendered.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(rendered.body) as OpenaiErrorBody, {
        error: { message: `failed: ${code}`, type: entry.openai, param: null, code },
      });
    });

    test(`${code}: Anthropic body, status and headers`, () => {
      const rendered = renderError(new GatewayError(code, `failed: ${code}`), 'anthropic');
      assert.equal(rendered.status, entry.status);
      assert.equal(rendered.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(rendered.body) as AnthropicErrorBody, {
        type: 'error',
        error: { type: entry.anthropic, message: `failed: ${code}`, code },
      });
    });

    test(`${code}: x-should-retry says whether retrying can help, and no retry-after unless set`, () => {
      for (const dialect of ['openai', 'anthropic'] as const) {
        const { headers } = renderError(new GatewayError(code, 'x'), dialect);
        assert.equal(headers['x-should-retry'], retryableCodes.has(code) ? 'true' : 'false');
        assert.equal(Object.hasOwn(headers, 'retry-after'), false);
      }
    });
  }
});

describe('the error code table', () => {
  test('uses error statuses only', () => {
    for (const code of allCodes) {
      const { status } = errorCodes[code];
      assert.ok(status >= 400 && status <= 599, `${code}: ${status}`);
    }
  });

  test('marks only codes whose cause can pass as retryable', () => {
    for (const code of [
      'invalid_request',
      'invalid_json',
      'payload_too_large',
      'unauthorized',
      'budget_exceeded',
    ] as const) {
      assert.equal(retryableCodes.has(code), false, code);
    }
    for (const code of retryableCodes) assert.ok(code in errorCodes, code);
  });

  test('a spent budget tells OpenAI clients insufficient_quota and not to retry', () => {
    const rendered = renderError(new GatewayError('budget_exceeded', 'Budget spent'), 'openai');
    assert.equal(rendered.status, 429);
    assert.equal((JSON.parse(rendered.body) as OpenaiErrorBody).error.type, 'insufficient_quota');
    assert.equal(rendered.headers['x-should-retry'], 'false');
  });
});

describe('retry-after', () => {
  test('appears when retryAfterSeconds is set, rounded up to whole seconds', () => {
    const cases: Array<[number, string]> = [
      [5, '5'],
      [2.1, '3'],
      [59.999, '60'],
    ];
    for (const [seconds, header] of cases) {
      const err = new GatewayError('rate_limit_exceeded', 'slow down', { retryAfterSeconds: seconds });
      assert.equal(renderError(err, 'openai').headers['retry-after'], header, String(seconds));
      assert.equal(renderError(err, 'anthropic').headers['retry-after'], header, String(seconds));
    }
  });

  test('is at least one second', () => {
    for (const seconds of [0, 0.001, 0.4]) {
      const err = new GatewayError('queue_full', 'full', { retryAfterSeconds: seconds });
      assert.equal(renderError(err, 'openai').headers['retry-after'], '1', String(seconds));
    }
  });

  test('goes with a non-retryable code too, which still says not to retry', () => {
    const err = new GatewayError('budget_exceeded', 'spent', { retryAfterSeconds: 3600 });
    const { headers } = renderError(err, 'openai');
    assert.equal(headers['retry-after'], '3600');
    assert.equal(headers['x-should-retry'], 'false');
  });
});

describe('errorBody', () => {
  test('puts the param at fault in the OpenAI body', () => {
    const err = new GatewayError('invalid_request', 'model is required', { param: 'model' });
    assert.deepEqual(errorBody(err, 'openai'), {
      error: {
        message: 'model is required',
        type: 'invalid_request_error',
        param: 'model',
        code: 'invalid_request',
      },
    });
  });

  test('keeps the message as given, quotes and newlines included', () => {
    const message = 'bad "thing"\nsecond line';
    const err = new GatewayError('invalid_json', message);
    const openai = JSON.parse(renderError(err, 'openai').body) as OpenaiErrorBody;
    const anthropic = JSON.parse(renderError(err, 'anthropic').body) as AnthropicErrorBody;
    assert.equal(openai.error.message, message);
    assert.equal(anthropic.error.message, message);
  });
});

describe('renderStreamError', () => {
  test('writes an OpenAI data-only event', () => {
    const err = new GatewayError('upstream_unavailable', 'The upstream broke off.');
    const event = renderStreamError(err, 'openai');
    assert.ok(event.startsWith('data: '), event);
    assert.ok(event.endsWith('\n\n'), event);
    assert.equal(event.split('\n').length, 3);
    assert.deepEqual(JSON.parse(event.slice('data: '.length)), errorBody(err, 'openai'));
    assert.deepEqual(JSON.parse(event.slice('data: '.length)), {
      error: {
        message: 'The upstream broke off.',
        type: 'server_error',
        param: null,
        code: 'upstream_unavailable',
      },
    });
  });

  test('writes an Anthropic error event', () => {
    const err = new GatewayError('upstream_timeout', 'The upstream went quiet.');
    const event = renderStreamError(err, 'anthropic');
    assert.ok(event.startsWith('event: error\ndata: '), event);
    assert.ok(event.endsWith('\n\n'), event);
    const body = JSON.parse(event.slice('event: error\ndata: '.length)) as AnthropicErrorBody;
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'api_error');
    assert.equal(body.error.message, 'The upstream went quiet.');
  });

  test('keeps a multi-line message on one data line', () => {
    const event = renderStreamError(new GatewayError('internal', 'line one\nline two'), 'openai');
    assert.equal(event.split('\n').length, 3);
  });
});

describe('GatewayError', () => {
  test('takes its status from the code table', () => {
    for (const code of allCodes) assert.equal(new GatewayError(code, 'x').status, errorCodes[code].status);
  });

  test('keeps the cause, param, details and retry-after it was given', () => {
    const cause = new Error('socket hang up');
    const err = new GatewayError('upstream_unavailable', 'down', {
      cause,
      param: 'model',
      retryAfterSeconds: 2,
      details: { upstream: 'groq' },
    });
    assert.equal(err.cause, cause);
    assert.equal(err.param, 'model');
    assert.equal(err.retryAfterSeconds, 2);
    assert.deepEqual(err.details, { upstream: 'groq' });
    assert.equal(err.name, 'GatewayError');
    assert.ok(err instanceof Error);
  });

  test('toGatewayError keeps a GatewayError and turns anything else into internal', () => {
    const own = new GatewayError('queue_full', 'full');
    assert.equal(toGatewayError(own), own);
    const thrown = new TypeError('oops');
    const wrapped = toGatewayError(thrown);
    assert.equal(wrapped.code, 'internal');
    assert.equal(wrapped.status, 500);
    assert.equal(wrapped.cause, thrown);
    assert.equal(wrapped.message.includes('oops'), false);
    assert.equal(toGatewayError('a string').code, 'internal');
  });
});

describe('docs/errors.md', () => {
  test('mentions every error code', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const missing = allCodes.filter((code) => !doc.includes(`\`${code}\``));
    assert.deepEqual(missing, []);
  });

  test('gives every code the status and types of the table', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    // Table rows as trimmed cells, whatever the column padding.
    const rows = doc
      .split('\n')
      .filter((line) => line.trim().startsWith('|'))
      .map((line) => line.split('|').map((cell) => cell.trim()));
    for (const code of allCodes) {
      const { status, openai, anthropic } = errorCodes[code];
      const cells = rows.find((r) => r[1] === `\`${code}\``);
      assert.ok(cells, `a table row for ${code}`);
      assert.deepEqual(
        cells.slice(1, 5),
        [`\`${code}\``, String(status), `\`${openai}\``, `\`${anthropic}\``],
        code,
      );
    }
  });
});
