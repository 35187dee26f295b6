// src/config/environment.ts
export interface EnvironmentConfig {
  apiUrl: string
  websocketUrl: string
  cdnUrl: string
  enableAnalytics: boolean
  enableErrorTracking: boolean
  logLevel: 'debug' | 'info' | 'warn' | 'error'
  featureFlags: Record<string, boolean>
  performance: {
    enablePerfMonitoring: boolean
    sampleRate: number
    enableWebVitals: boolean
  }
  security: {
    enableCSP: boolean
    enableSRI: boolean
    trustedDomains: string[]
  }
}

class EnvironmentManager {
  private config: EnvironmentConfig

  constructor() {
    this.config = this.loadConfig()
    this.validateConfig()
  }

  private loadConfig(): EnvironmentConfig {
    const env = import.meta.env

    return {
      apiUrl: env.VITE_API_URL || 'http://localhost:8004',
      websocketUrl: env.VITE_WS_URL || 'ws://localhost:8004',
      cdnUrl: env.VITE_CDN_URL || '',
      
      enableAnalytics: env.VITE_ENABLE_ANALYTICS === 'true',
      enableErrorTracking: env.VITE_ENABLE_ERROR_TRACKING === 'true',
      logLevel: (env.VITE_LOG_LEVEL as any) || 'info',
      
      featureFlags: {
        enableConversationThreading: env.VITE_FF_CONVERSATION_THREADING === 'true',
        enableAdvancedSearch: env.VITE_FF_ADVANCED_SEARCH === 'true',
        enableMessageExport: env.VITE_FF_MESSAGE_EXPORT === 'true',
        enablePerformanceMonitoring: env.VITE_FF_PERFORMANCE_MONITORING === 'true',
        enableBetaFeatures: env.VITE_FF_BETA_FEATURES === 'true',
      },
      
      performance: {
        enablePerfMonitoring: env.VITE_ENABLE_PERF_MONITORING === 'true',
        sampleRate: parseFloat(env.VITE_PERF_SAMPLE_RATE || '0.1'),
        enableWebVitals: env.VITE_ENABLE_WEB_VITALS === 'true',
      },
      
      security: {
        enableCSP: env.VITE_ENABLE_CSP === 'true',
        enableSRI: env.VITE_ENABLE_SRI === 'true',
        trustedDomains: (env.VITE_TRUSTED_DOMAINS || '').split(',').filter(Boolean),
      }
    }
  }

  private validateConfig(): void {
    const { apiUrl, websocketUrl } = this.config

    // Validate required URLs
    if (!apiUrl || !this.isValidUrl(apiUrl)) {
      throw new Error('Invalid API URL configuration')
    }

    if (!websocketUrl || !this.isValidUrl(websocketUrl.replace('ws', 'http'))) {
      throw new Error('Invalid WebSocket URL configuration')
    }

    // Validate performance config
    const { sampleRate } = this.config.performance
    if (sampleRate < 0 || sampleRate > 1) {
      console.warn('Performance sample rate should be between 0 and 1')
      this.config.performance.sampleRate = Math.max(0, Math.min(1, sampleRate))
    }
  }

  private isValidUrl(url: string): boolean {
    try {
      new URL(url)
      return true
    } catch {
      return false
    }
  }

  getConfig(): EnvironmentConfig {
    return { ...this.config }
  }

  isFeatureEnabled(feature: keyof EnvironmentConfig['featureFlags']): boolean {
    return this.config.featureFlags[feature] || false
  }

  isDevelopment(): boolean {
    return import.meta.env.DEV
  }

  isProduction(): boolean {
    return import.meta.env.PROD
  }

  getVersion(): string {
    return __APP_VERSION__ || 'unknown'
  }

  getBuildDate(): string {
    return __BUILD_DATE__ || 'unknown'
  }

  getEnvironment(): string {
    return __DEPLOYMENT_ENV__ || 'development'
  }
}

export const environmentManager = new EnvironmentManager()
export default environmentManager
