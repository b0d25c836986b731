// The econfig module's public face: load and validate a whole econfig file,
// or parse one environment's listener options (the command line form).

export { loadEconfig, formatEconfigError, formatEconfigWarning, MAX_ECONFIG_BYTES } from './load.js';
export type { EconfigResult, EnvironmentResult, EconfigError, EconfigOptions } from './load.js';
export { parseListenerOptions, isListenerOption, LISTENER_OPTIONS_HELP } from './listener-options.js';
export type { ListenerOptionsResult, ListenerOptionsContext, OptionProblem } from './listener-options.js';
export { endpointsClash } from './clashes.js';
export * from './listener-spec.js';
