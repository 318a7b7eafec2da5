export * from './core';
export * from './rest';
export * from './secured-rest-api';
export * from './websocket-chat-api';
