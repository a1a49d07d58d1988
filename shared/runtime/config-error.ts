/** A setting is missing or invalid: start-up stops with the message (never a half-configured process). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
