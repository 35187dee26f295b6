// Monitoring first: the SDK is initialised before React renders, so an error during start-up is
// already captured. Settings come from /config.json when the server has one.
import { init, setUser, whenConfigured } from 'edgewatch-sdk';

// What the app uses when /config.json is missing (404) or unreadable: the seed's
// EnvironmentConfig, pointed at edgewatch on the same origin.
export const DEFAULT_CONFIG = {
  apiUrl: '/api',
  websocketUrl: '',
  enableAnalytics: true,
  enableErrorTracking: true,
  performance: { enablePerfMonitoring: false, sampleRate: 1, enableWebVitals: true },
};

export const RELEASE = __APP_RELEASE__;

// Not when prerendering the first screen at build time (src/entry-server.jsx).
if (typeof window !== 'undefined') {
  init({
    configUrl: '/config.json',
    release: RELEASE,
    environment: import.meta.env.MODE,
    sampleRate: 1,
  });

  // An anonymous, stable id per browser, so the dashboard can count users affected.
  try {
    let id = localStorage.getItem('chat.user');
    if (!id) {
      id = `anon-${Math.random().toString(36).slice(2, 10)}`;
      localStorage.setItem('chat.user', id);
    }
    setUser(id);
  } catch {
    // storage disabled: stay anonymous
  }
}

export const appConfig = whenConfigured().then((cfg) => ({
  ...DEFAULT_CONFIG,
  ...(cfg || {}),
  performance: { ...DEFAULT_CONFIG.performance, ...(cfg?.performance || {}) },
}));

// The WebSocket URL: the config's, or /api/ws on this host (ws: or wss: as the page).
export function websocketUrl(config) {
  if (config.websocketUrl) return config.websocketUrl;
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const base = new URL(config.apiUrl || '/api', location.href);
  return `${scheme}//${base.host}${base.pathname.replace(/\/$/, '')}/ws`;
}
