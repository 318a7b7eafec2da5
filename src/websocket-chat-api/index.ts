export * from './websocket-chat-api';
