/** The logger the composition root may pass in; silent by default. */
export interface GatewayLogger {
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
}

const quiet = (): void => undefined;

export const SILENT_LOGGER: GatewayLogger = { info: quiet, warn: quiet, error: quiet };
