/** A setting the environment gives that the registry cannot run with: reported in one line naming the variable. */
export class ConfigError extends Error {}
