// The WeCompany browser SDK: REST, signaling and media, usable without the UI (docs/web-sdk.md).
export * from './apiError';
export * from './backoff';
export * from './emitter';
export * from './mediaSession';
export * from './meetingCode';
export * from './messages';
export * from './peerLink';
export * from './restClient';
export * from './signalingClient';
export * from './tokenStore';
export type * from './types';
