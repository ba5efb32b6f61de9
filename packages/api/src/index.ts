export { createHub, attachRealtime, createApiHandler, type HubOptions } from './create-hub.js';
export type { Hub, UiEvents } from './hub.js';
export { appRouter, type AppRouter } from './trpc/root.js';
export { UI_NAMESPACE } from './realtime/ui-namespace.js';
export { ensureFirstAdmin } from './services/users.js';
export { createEnrollToken, ensureLocalHost } from './services/hosts.js';
export { ApiError, type ApiErrorCode } from './errors.js';
