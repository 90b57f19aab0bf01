export { CONFIG_PATH, CONFIG_SCHEMA, PERMISSION_LEVELS, type PermissionLevel } from './schema.js';
export { DEFAULT_CONFIG, defaultConfig, type AccessAnalyzerConfig, type InlineSuppressionPolicy, type TrustgateConfig, type WaiverPolicy } from './config.js';
export { formatConfigProblems, parseConfigText, type ConfigLayer, type ConfigParseResult, type ConfigProblem } from './load.js';
export { isPathSelected, resolveConfig, selectPaths, toEngineOptions } from './resolve.js';
export { describeConfigChange, type ConfigChangeReport, type ConfigSettingChange } from './config-change.js';
export { configJsonSchema, configJsonSchemaText } from './json-schema.js';
export { engineOptionsWithFlags, readCliConfig, type CliConfigResult } from './cli-config.js';
