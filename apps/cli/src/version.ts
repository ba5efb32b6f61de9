declare const DRYDOCK_VERSION: string;

/** Set at bundle time from the root package.json. */
export const VERSION: string = typeof DRYDOCK_VERSION === 'string' ? DRYDOCK_VERSION : '0.0.0-dev';
