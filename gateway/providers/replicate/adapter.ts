/**
 * Replicate predictions with `Prefer: wait` (the answer comes back in the creating call). The
 * model is `owner/name` (official models: `/v1/models/{owner}/{name}/predictions`), a version id
 * (`owner/name:version` or a bare 64-hex id: `/v1/predictions`), or with
 * `replicate_key_config.use_deployments_endpoint` a deployment (`/v1/deployments/{owner}/{name}/predictions`).
 * Streams are delivered from the finished prediction (Replicate streams over a second GET, which
 * the gateway does not make): one text chunk, then finish, usage and `[DONE]`.
 */
import type { JsonObject } from '../../core/types.ts';
import { isJsonObject } from '../../core/types.ts';
import type { AttemptInfo, ProviderAdapter } from '../adapter.ts';
import { parseOpenAIError } from '../upstream-errors.ts';
import { openAIUsage } from '../usage.ts';
import { decodePrediction, PredictionStreamDecoder } from './prediction.ts';
import { encodeReplicateInput } from './request.ts';

const VERSION_ID = /^[0-9a-f]{64}$/;

function modelPath(info: AttemptInfo): string {
  const model = info.upstreamModel;
  const config = (info.key.replicate_key_config ?? {}) as { use_deployments_endpoint?: unknown };
  if (model.includes(':') || VERSION_ID.test(model)) return '/v1/predictions';
  const [owner, name] = model.split('/');
  const segment = `${encodeURIComponent(owner ?? '')}/${encodeURIComponent(name ?? '')}`;
  return config.use_deployments_endpoint === true
    ? `/v1/deployments/${segment}/predictions`
    : `/v1/models/${segment}/predictions`;
}

function encode(body: JsonObject, info: AttemptInfo): JsonObject {
  const { input, dropped } = encodeReplicateInput(body);
  info.dropped = dropped;
  const model = info.upstreamModel;
  const version = model.includes(':')
    ? model.slice(model.indexOf(':') + 1)
    : VERSION_ID.test(model)
      ? model
      : undefined;
  return version === undefined ? { input } : { version, input };
}

export const replicate: ProviderAdapter = {
  id: 'replicate',
  defaultBaseUrl: 'https://api.replicate.com',
  paths: { chat: '/v1/models' },
  auth: { header: 'authorization', prefix: 'Bearer ', optional: false },
  staticHeaders: { prefer: 'wait' },
  streamUsageOption: true,
  streamAsJson: true,
  resolvePath: modelPath,
  encodeRequest: encode,
  decodeResponse: (_operation, payload, model) => decodePrediction(payload, model),
  createStreamDecoder: () => new PredictionStreamDecoder(),
  extractUsage: openAIUsage,
  parseError(status, text) {
    const detail = parseOpenAIError(status, text);
    try {
      const body: unknown = JSON.parse(text);
      if (isJsonObject(body) && typeof body.detail === 'string')
        return {
          message: body.detail,
          code: typeof body.title === 'string' ? body.title : null,
          param: null,
        };
    } catch {
      // not JSON: the generic reading stands
    }
    return detail;
  },
};
