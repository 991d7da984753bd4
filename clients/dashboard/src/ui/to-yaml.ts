/**
 * The config export as YAML, written by the `yaml` package (the one the server reads config files
 * with). Loaded on first use, so it is its own chunk and not part of the dashboard's first load.
 */
export async function toYaml(value: unknown): Promise<string> {
  const { stringify } = await import('yaml');
  return stringify(value);
}
