// edgewatch browser SDK. One instance per page:
//
//   import { init, trackEvent, reportError } from 'edgewatch-sdk';
//   init({ release: '1.4.2', environment: 'production', sampleRate: 0.5, configUrl: '/config.json' });
//
// See README.md for every option. The logic lives in core.js; this file binds it to web-vitals.
import { onCLS, onFCP, onINP, onLCP, onTTFB } from 'web-vitals';
import { createMonitor, DEFAULT_PATHS } from './core.js';

const monitor = createMonitor({ vitals: { onCLS, onFCP, onINP, onLCP, onTTFB } });

export const init = monitor.init;
export const trackEvent = monitor.trackEvent;
export const trackPerformanceMetric = monitor.trackPerformanceMetric;
export const reportError = monitor.reportError;
export const setUser = monitor.setUser;
export const addBreadcrumb = monitor.addBreadcrumb;
export const flush = monitor.flush;
export const getSessionInfo = monitor.getSessionInfo;
export const getStats = monitor.getStats;
export const getConfig = monitor.getConfig;
export const whenConfigured = monitor.whenConfigured;
export { createMonitor, DEFAULT_PATHS };
export default monitor;
