// flowkit/io: the structured logger a connector writes to stderr with, and the redaction of secrets in what it logs.
export { createLogger, type Logger, type LoggerOptions, type LogLevel, type LogFields } from './log.ts'
export { redactSecrets, REDACTED } from './redact.ts'
