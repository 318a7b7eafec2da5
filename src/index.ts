export * from './core';
export * from './rest';
export * from './secured-rest-api';
export * from './private-vpc-api';
export * from './monetized-api';
export * from './websocket-chat-api';
