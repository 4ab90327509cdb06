/** Thrown when the environment is unusable; its message is one line meant for an operator. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
