/**
 * Config at a glance: providers and their keys (masked hints only; secrets are never readable
 * through the API), routing rules with their CEL expressions, editable in place (a save error is
 * shown at its line and column), and the live config as a YAML download (`exportConfig`, with
 * literal secrets as `env.` references).
 */
import { useState } from 'preact/hooks';
import { HeimdallError } from '../../../sdk/index.ts';
import { messageOf, type Api } from '../api.ts';
import { DashboardConfigVersionDocument } from '../generated/operations.ts';
import { useSession } from '../context.ts';
import type { MutationError } from '../ui/mutations.ts';
import { Empty, ErrorNote, Loading } from '../ui/parts.tsx';
import { toYaml } from '../ui/to-yaml.ts';
import { useLoad } from '../ui/use-query.ts';

interface ProviderNode {
  name: string;
  keys: {
    id: string;
    name: string;
    valueHint: string;
    isEnvReference: boolean;
    enabled: boolean;
    models: string[];
    weight: number;
  }[];
}
interface Rule {
  id: string;
  name: string;
  celExpression: string;
  scope: string;
  scopeId: string | null;
  priority: number;
  enabled: boolean;
  targets: { provider: string; model: string; weight: number }[];
}
async function load(api: Api) {
  const [providers, rules, version] = await Promise.all([
    api.sdk.providers(),
    api.sdk.routingRules(),
    api.request(DashboardConfigVersionDocument),
  ]);
  return {
    providers: providers as ProviderNode[],
    rules: rules as Rule[],
    configVersion: version.configVersion,
  };
}

export function Config() {
  const { api } = useSession();
  const loaded = useLoad(load);
  const [exportError, setExportError] = useState<string | undefined>(undefined);
  async function download() {
    try {
      const exportConfig = await api.sdk.exportConfig('REFERENCE');
      const url = URL.createObjectURL(new Blob([await toYaml(exportConfig)], { type: 'application/yaml' }));
      const link = Object.assign(document.createElement('a'), {
        href: url,
        download: 'heimdall-config.yaml',
      });
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      setExportError(undefined);
    } catch (failure) {
      setExportError(messageOf(failure));
    }
  }
  if (loaded.error) return <ErrorNote error={loaded.error} />;
  if (!loaded.data) return <Loading />;
  const { providers, rules } = loaded.data;
  return (
    <section aria-labelledby="config-title">
      <h2 id="config-title">Config</h2>
      <div class="toolbar">
        <span class="muted">Config version {loaded.data.configVersion}</span>
        <button type="button" onClick={() => void download()}>
          Download config (YAML)
        </button>
      </div>
      <ErrorNote error={exportError} />
      <h3>Providers and keys</h3>
      {providers.length === 0 ? (
        <Empty title="No providers configured">
          Add a provider with a key under <code>providers</code> in the config file (keys as{' '}
          <code>env.OPENAI_API_KEY</code>
          references), or with the <code>createProvider</code> and <code>createProviderKey</code> mutations.
        </Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Key</th>
              <th scope="col">Secret</th>
              <th scope="col">Models</th>
              <th scope="col" class="num">
                Weight
              </th>
            </tr>
          </thead>
          <tbody>
            {providers.flatMap((provider) =>
              (provider.keys.length ? provider.keys : [undefined]).map((key) => (
                <tr key={`${provider.name}/${key?.id ?? ''}`}>
                  <td>{provider.name}</td>
                  <td>{key ? `${key.name}${key.enabled ? '' : ' (disabled)'}` : 'no keys'}</td>
                  <td>
                    <code>{key ? key.valueHint : '—'}</code>
                  </td>
                  <td>{key?.models.length ? key.models.join(', ') : 'all'}</td>
                  <td class="num">{key?.weight ?? '—'}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      )}
      <h3>Routing rules</h3>
      {rules.length === 0 ? (
        <Empty title="No routing rules">
          Requests go to the provider their model names. A rule sends matching requests elsewhere, e.g.{' '}
          <code>model == "gpt-4o" &amp;&amp; headers["x-tier"] == "free"</code> →{' '}
          <code>openai/gpt-4o-mini</code>.
        </Empty>
      ) : (
        rules.map((rule) => <RuleEditor key={rule.id} rule={rule} onSaved={loaded.reload} />)
      )}
    </section>
  );
}

function RuleEditor(props: { rule: Rule; onSaved(): void }) {
  const { api } = useSession();
  const { rule } = props;
  const [expression, setExpression] = useState(rule.celExpression);
  const [failure, setFailure] = useState<MutationError | undefined>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const inputId = `cel-${rule.id}`;
  async function save(event: Event) {
    event.preventDefault();
    setMessage(undefined);
    try {
      await api.sdk.updateRoutingRule(rule.id, { celExpression: expression });
      setFailure(undefined);
      setMessage('Saved.');
      props.onSaved();
    } catch (error) {
      // A refused expression is a typed result (CelExpressionError with line and column).
      if (error instanceof HeimdallError && error.kind === 'result')
        setFailure(error.detail as MutationError);
      else setFailure({ __typename: 'Error', message: messageOf(error) });
    }
  }
  const targets = rule.targets
    .map((t) => `${t.provider}/${t.model || '(same model)'} ×${t.weight}`)
    .join(', ');
  return (
    <form class="card rule" onSubmit={(event) => void save(event)} aria-label={`Routing rule ${rule.name}`}>
      <div class="rule-head">
        <strong>{rule.name}</strong>
        <span class="muted">
          {rule.scope.toLowerCase()}
          {rule.scopeId ? ` ${rule.scopeId}` : ''} · priority {rule.priority} ·{' '}
          {rule.enabled ? 'enabled' : 'disabled'} → {targets}
        </span>
      </div>
      <label for={inputId}>CEL expression</label>
      <textarea
        id={inputId}
        rows={2}
        spellcheck={false}
        value={expression}
        aria-invalid={failure ? true : undefined}
        aria-describedby={failure ? `${inputId}-error` : undefined}
        onInput={(event) => setExpression((event.target as HTMLTextAreaElement).value)}
      />
      {failure ? <CelError id={`${inputId}-error`} failure={failure} /> : null}
      <div class="actions">
        <button type="submit">Save rule</button>
        {message ? <span role="status">{message}</span> : null}
      </div>
    </form>
  );
}

/** The expression's failing line with a caret under the column the CEL parser reported. */
function CelError(props: { id: string; failure: MutationError }) {
  const { failure } = props;
  const line = failure.line ?? undefined;
  const column = failure.column ?? undefined;
  const source = line !== undefined ? failure.expression?.split('\n')[line - 1] : undefined;
  return (
    <div class="error" role="alert" id={props.id}>
      <p>
        {failure.summary ?? failure.message}
        {line !== undefined ? ` (line ${line}, column ${column ?? '?'})` : ''}
      </p>
      {source !== undefined && column !== undefined ? (
        <pre class="caret">
          {source}
          {'\n'}
          {' '.repeat(Math.max(0, column - 1))}^
        </pre>
      ) : null}
    </div>
  );
}
