// The host agent protocol: generated from proto/xenplane/agent/v1/agent.proto by `buf generate`.
export * from './generated/xenplane/agent/v1/agent';
