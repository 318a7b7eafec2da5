export * from './options';
export * from './websocket-chat-api';
