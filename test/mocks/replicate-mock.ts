/**
 * A loopback Replicate API: predictions created at `/v1/models/{owner}/{name}/predictions`,
 * `/v1/deployments/{owner}/{name}/predictions` or `/v1/predictions` (with `version`), answered
 * synchronously under `Prefer: wait` with the documentation's prediction object (output as a
 * token list, metrics with token counts), failed predictions, and `{detail, status, title}` errors.
 */
import { sendJson, startHttpMock, type HttpMock } from './http-mock.ts';

export const REPLICATE_TOKENS = [
  'The',
  ' sky',
  ' is',
  ' blue',
  ' because',
  ' of',
  ' Rayleigh',
  ' scattering',
  '.',
];

export interface ReplicateMock extends HttpMock {
  /** Status of the next prediction (`succeeded` by default). */
  nextStatus: string;
}

export async function startReplicateMock(): Promise<ReplicateMock> {
  const holder: { mock?: ReplicateMock } = {};
  const mock = await startHttpMock((request, res) => {
    const m = holder.mock!;
    if (request.headers.authorization !== 'Bearer r8_test')
      return sendJson(res, 401, {
        title: 'Unauthenticated',
        detail: 'You did not pass a valid authentication token',
        status: 401,
      });
    const route = /^\/v1\/(?:(models|deployments)\/([^/]+)\/([^/]+)\/)?predictions$/.exec(request.path);
    if (!route) return sendJson(res, 404, { title: 'Not found', detail: 'Not found.', status: 404 });
    const input = request.body.input as Record<string, unknown> | undefined;
    if (!input || typeof input.prompt !== 'string')
      return sendJson(res, 422, {
        title: 'Input validation failed',
        detail: '- input: prompt is required',
        status: 422,
      });
    if (!route[1] && typeof request.body.version !== 'string')
      return sendJson(res, 422, { title: 'Invalid version', detail: 'version is required', status: 422 });
    const status = m.nextStatus;
    m.nextStatus = 'succeeded';
    const model = route[1] ? `${route[2]}/${route[3]}` : 'meta/meta-llama-3-70b-instruct';
    sendJson(res, 201, {
      id: 'gm3qorzdhgbfurvjtvhg6dckhu',
      model,
      version: 'dp-e1a0bc3f4ee9452790f97cab2ca5e4d6',
      input,
      logs: '',
      output: status === 'succeeded' ? REPLICATE_TOKENS : null,
      error: status === 'failed' ? 'CUDA out of memory' : null,
      status,
      created_at: '2024-04-18T18:13:22.215Z',
      metrics:
        status === 'succeeded' ? { input_token_count: 14, output_token_count: 9, predict_time: 0.5 } : {},
      urls: {
        get: 'https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu',
        cancel: 'https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu/cancel',
      },
    });
  });
  const reset = mock.reset;
  const self: ReplicateMock = Object.assign(mock, {
    nextStatus: 'succeeded',
    reset() {
      reset();
      self.nextStatus = 'succeeded';
    },
  });
  holder.mock = self;
  return self;
}
