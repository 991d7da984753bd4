/**
 * The provider adapter contract. An adapter is a declarative object: where the provider lives,
 * how it authenticates, which path serves each operation, and (for translating providers) how
 * bodies, streams, usage and errors map to and from the canonical OpenAI shapes. The request,
 * retry, fallback and streaming loop in gateway/engine is written once and only reads adapters.
 *
 * The OpenAI-compatible family (providers/openai-compat) leaves every transform undefined and so
 * gets the pass-through fast path. Translating providers (Anthropic, Bedrock, Vertex, Gemini,
 * Cohere: issue 4) fill in encodeRequest/decodeResponse/createStreamDecoder/parseError, and
 * `prepare` for request signing (SigV4) or minted tokens.
 */
import type { ProviderKeySnapshot, ProviderSnapshot } from '../../clients/contract/snapshot.ts';
import type { JsonObject, Operation, Usage } from '../core/types.ts';

/** How the key's secret is sent. */
export interface AuthSpec {
  /** Lower-case header name, e.g. `authorization`, `api-key`, `x-api-key`. */
  header: string;
  /** Text before the secret, e.g. `Bearer `. */
  prefix: string;
  /** When true an empty key value sends no header (self-hosted servers); otherwise it is an error. */
  optional: boolean;
}

/** The request about to leave for the provider; `prepare` may still change it. */
export interface OutgoingRequest {
  /** Path and query, already joined with the base URL's path prefix. */
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** What the transforms of one attempt may need to know. */
export interface AttemptInfo {
  operation: Operation;
  stream: boolean;
  /** The provider's configuration as in the snapshot (e.g. `network_config.beta_header_overrides`). */
  provider: ProviderSnapshot;
  key: ProviderKeySnapshot;
  /** Model id after the key's aliases and `upstreamModel`. */
  upstreamModel: string;
  /**
   * Set by `encodeRequest`: canonical parameters the provider cannot take. The engine reports
   * them to the client in the `x-heimdall-dropped-params` response header.
   */
  dropped?: string[];
}

/** What a provider said when it refused a request. */
export interface UpstreamErrorDetail {
  message: string;
  code: string | null;
  param: string | null;
}

/** Receives canonical (OpenAI-shaped) SSE events from a stream decoder. */
export interface EventSink {
  onEvent(event: string | undefined, data: string): void;
}

/** Turns upstream stream bytes into canonical SSE events. One instance per stream. */
export interface StreamDecoder {
  push(chunk: Buffer, sink: EventSink): void;
  /** The upstream ended; flush whatever complete event is still buffered. */
  end(sink: EventSink): void;
  /**
   * True after a `push` whose chunk was exactly `formatEvent` of the events it emitted, each
   * complete within it: a pass-through relay may then forward the chunk's bytes as they are.
   */
  readonly verbatim?: boolean;
}

/**
 * A library a key loads on its first request to reach the ambient identity (@azure/identity,
 * google-auth-library, the AWS credential chain). Importing one takes ~20–120 ms, holding the event
 * loop for up to ~20–30 ms at a time, so the snapshot store loads it as soon as a snapshot has such
 * a key (before the gateway listens, for the first one), not inside a request.
 */
export interface CredentialLibrary {
  /** The package, as logged. */
  name: string;
  /** Imports it once per process; later calls return the same promise. */
  load(): Promise<unknown>;
  /** Whether an import has completed in this process. */
  readonly loaded: boolean;
}

/**
 * The provider's own list of the models a key may use: one GET (paged where the provider pages),
 * authenticated like inference. `GET /v1/models` lists these for keys that allow every model.
 */
export interface ListModelsSpec {
  /** Path and query of the first page, before the base URL's path prefix is joined. */
  path: string;
  /**
   * The answer's shape (parsed in list-models.ts): `openai` `{data: [{id}]}` or a bare array,
   * `anthropic` `{data: [{id}], has_more, last_id}` (next page `after_id`), `gemini`
   * `{models: [{name: "models/…"}], nextPageToken}` (next page `pageToken`), `cohere`
   * `{models: [{name}], next_page_token}` (next page `page_token`).
   */
  format: 'openai' | 'anthropic' | 'gemini' | 'cohere';
}

export interface ProviderAdapter {
  /** Adapter id, e.g. `openai`, `azure`, `groq`, or `custom:<base type>`. */
  readonly id: string;
  /** Used when neither a key URL nor `network_config.base_url` is set; undefined: must be configured. */
  readonly defaultBaseUrl: string | undefined;
  /** Upstream path per supported operation; a missing entry means the provider lacks it. */
  readonly paths: Readonly<Partial<Record<Operation, string>>>;
  readonly auth: AuthSpec;
  /** Headers sent on every request to this provider (before `extra_headers`). */
  readonly staticHeaders?: Readonly<Record<string, string>>;
  /**
   * Ask for usage on streamed chat/completions with `stream_options.include_usage`. Providers that
   * report stream usage unasked (or reject the option) set this false.
   */
  readonly streamUsageOption: boolean;
  /**
   * The provider answers stream requests with one JSON body (Replicate with `Prefer: wait`); the
   * stream decoder turns it into events instead of the engine rejecting it.
   */
  readonly streamAsJson?: boolean;
  /** Where the provider lists its models; undefined: it has no such endpoint (the price catalogue stands in). */
  readonly listModels?: ListModelsSpec;

  /**
   * Key-level base URL (self-hosted `url`, Azure `endpoint`, Bedrock's region), possibly an
   * `env.VAR` reference. It wins over `network_config.base_url`.
   */
  keyBaseUrl?(key: ProviderKeySnapshot, provider: ProviderSnapshot): string | undefined;
  /** The model id sent upstream for a logical name already mapped through the key's aliases. */
  upstreamModel?(model: string, key: ProviderKeySnapshot): string;
  /** Path and query when they depend on model, key or streaming (Azure deployments, Bedrock, Vertex). */
  resolvePath?(info: AttemptInfo): string;
  /** Canonical request → provider body. Default: the OpenAI body with `model` set. */
  encodeRequest?(body: JsonObject, info: AttemptInfo): JsonObject;
  /**
   * Provider body → canonical OpenAI body (`request`: the canonical request; a top-level JSON
   * array arrives as `{ items: [...] }`). Default: identity.
   */
  decodeResponse?(
    operation: Operation,
    payload: JsonObject,
    requestedModel: string,
    request: JsonObject,
  ): JsonObject;
  /** Provider stream → canonical SSE events. Default: SSE pass-through. */
  createStreamDecoder?(operation: Operation): StreamDecoder;
  /** Usage of a canonical response body. Default: OpenAI `usage` fields. */
  extractUsage?(operation: Operation, payload: JsonObject): Usage | undefined;
  /** Error body → message/code/param. Default: OpenAI-style and common self-hosted shapes. */
  parseError?(status: number, text: string): UpstreamErrorDetail;
  /** Last step before sending: signing (SigV4), minted tokens, beta headers. May be async. */
  prepare?(request: OutgoingRequest, info: AttemptInfo, secret: string): void | Promise<void>;
  /**
   * The library `prepare` will import for this key (`secret`: its value with `env.` references
   * resolved), if any: an Entra ID, ADC or AWS-chain key. See CredentialLibrary.
   */
  credentialLibrary?(key: ProviderKeySnapshot, secret: string | undefined): CredentialLibrary | undefined;
}
