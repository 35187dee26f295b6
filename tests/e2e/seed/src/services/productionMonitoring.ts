// src/services/productionMonitoring.ts
import { environmentManager } from '../config/environment'

interface MonitoringEvent {
  name: string
  properties?: Record<string, any>
  timestamp?: Date
  userId?: string
  sessionId?: string
}

interface PerformanceMetric {
  name: string
  value: number
  unit: string
  tags?: Record<string, string>
  timestamp?: Date
}

interface ErrorReport {
  error: Error
  context?: Record<string, any>
  userId?: string
  sessionId?: string
  timestamp?: Date
  stack?: string
  fingerprint?: string
}

class ProductionMonitoringService {
  private config = environmentManager.getConfig()
  private userId?: string
  private sessionId: string
  private initialized = false

  constructor() {
    this.sessionId = this.generateSessionId()
    this.initializeIfNeeded()
  }

  private initializeIfNeeded(): void {
    if (this.initialized || !environmentManager.isProduction()) return

    this.initializeErrorTracking()
    this.initializePerformanceMonitoring()
    this.initializeAnalytics()
    this.initializeWebVitals()
    
    this.initialized = true
  }

  private generateSessionId(): string {
    return `session-${Date.now()}-${Math.random().toString(36).substr(2, 9)}`
  }

  private initializeErrorTracking(): void {
    if (!this.config.enableErrorTracking) return

    // Initialize Sentry
    if (typeof window !== 'undefined' && (window as any).Sentry) {
      const Sentry = (window as any).Sentry

      Sentry.init({
        dsn: process.env.VITE_SENTRY_DSN,
        environment: environmentManager.getEnvironment(),
        release: environmentManager.getVersion(),
        
        // Performance monitoring
        tracesSampleRate: this.config.performance.sampleRate,
        
        // Session tracking
        beforeSend: (event: any) => {
          // Add session context
          event.extra = {
            ...event.extra,
            sessionId: this.sessionId,
            userId: this.userId,
            buildDate: environmentManager.getBuildDate(),
          }
          return event
        },

        // Filter errors
        beforeSendTransaction: (event: any) => {
          // Don't track dev-only transactions
          if (event.transaction?.includes('__dev__')) {
            return null
          }
          return event
        }
      })

      // Set user context
      Sentry.setContext('app', {
        version: environmentManager.getVersion(),
        environment: environmentManager.getEnvironment(),
        buildDate: environmentManager.getBuildDate(),
      })
    }
  }

  private initializePerformanceMonitoring(): void {
    if (!this.config.performance.enablePerfMonitoring) return

    // Initialize performance observer
    if ('PerformanceObserver' in window) {
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          this.trackPerformanceMetric({
            name: `performance.${entry.entryType}.${entry.name}`,
            value: entry.duration || entry.startTime,
            unit: 'ms',
            tags: {
              entryType: entry.entryType,
              name: entry.name
            }
          })
        }
      })

      observer.observe({ entryTypes: ['measure', 'navigation', 'resource'] })
    }

    // Track custom metrics
    this.setupCustomPerformanceTracking()
  }

  private initializeAnalytics(): void {
    if (!this.config.enableAnalytics) return

    // Initialize Google Analytics
    if (process.env.VITE_GA_TRACKING_ID && typeof window !== 'undefined') {
      const script = document.createElement('script')
      script.async = true
      script.src = `https://www.googletagmanager.com/gtag/js?id=${process.env.VITE_GA_TRACKING_ID}`
      document.head.appendChild(script)

      // Initialize gtag
      ;(window as any).dataLayer = (window as any).dataLayer || []
      const gtag = (...args: any[]) => (window as any).dataLayer.push(arguments)
      ;(window as any).gtag = gtag

      gtag('js', new Date())
      gtag('config', process.env.VITE_GA_TRACKING_ID, {
        session_id: this.sessionId,
        custom_map: {
          custom_dimension_1: 'app_version'
        }
      })

      gtag('event', 'app_version', {
        custom_parameter: environmentManager.getVersion()
      })
    }
  }

  private initializeWebVitals(): void {
    if (!this.config.performance.enableWebVitals) return

    // Import web-vitals dynamically
    import('web-vitals').then(({ getCLS, getFID, getFCP, getLCP, getTTFB }) => {
      getCLS(this.reportWebVital.bind(this))
      getFID(this.reportWebVital.bind(this))
      getFCP(this.reportWebVital.bind(this))
      getLCP(this.reportWebVital.bind(this))
      getTTFB(this.reportWebVital.bind(this))
    }).catch(error => {
      console.warn('Failed to load web-vitals:', error)
    })
  }

  private reportWebVital(metric: any): void {
    this.trackPerformanceMetric({
      name: `web_vitals.${metric.name}`,
      value: metric.value,
      unit: 'ms',
      tags: {
        id: metric.id,
        rating: metric.rating
      }
    })

    // Send to analytics
    if (this.config.enableAnalytics && typeof (window as any).gtag === 'function') {
      ;(window as any).gtag('event', metric.name, {
        event_category: 'Web Vitals',
        event_label: metric.id,
        value: Math.round(metric.name === 'CLS' ? metric.value * 1000 : metric.value),
        non_interaction: true
      })
    }
  }

  private setupCustomPerformanceTracking(): void {
    // Track React render performance
    if (typeof window !== 'undefined') {
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          if (entry.name.includes('react')) {
            this.trackPerformanceMetric({
              name: 'react.render.duration',
              value: entry.duration,
              unit: 'ms',
              tags: {
                component: entry.name
              }
            })
          }
        }
      })

      try {
        observer.observe({ entryTypes: ['measure'] })
      } catch (error) {
        console.warn('Performance observer not supported:', error)
      }
    }
  }

  /**
   * Set user context for all monitoring services
   */
  setUser(userId: string, userProperties?: Record<string, any>): void {
    this.userId = userId

    // Update Sentry context
    if (typeof window !== 'undefined' && (window as any).Sentry) {
      ;(window as any).Sentry.setUser({
        id: userId,
        ...userProperties
      })
    }

    // Update analytics context
    if (this.config.enableAnalytics && typeof (window as any).gtag === 'function') {
      ;(window as any).gtag('config', process.env.VITE_GA_TRACKING_ID, {
        user_id: userId,
        custom_map: {
          custom_dimension_2: 'user_type'
        }
      })
    }
  }

  /**
   * Track custom events
   */
  trackEvent(event: MonitoringEvent): void {
    const eventData = {
      ...event,
      timestamp: event.timestamp || new Date(),
      userId: event.userId || this.userId,
      sessionId: event.sessionId || this.sessionId,
    }

    // Send to analytics
    if (this.config.enableAnalytics && typeof (window as any).gtag === 'function') {
      ;(window as any).gtag('event', event.name, {
        event_category: 'User Interaction',
        ...event.properties
      })
    }

    // Log for debugging
    if (environmentManager.isDevelopment()) {
      console.log('ðŸ“Š Event:', eventData)
    }

    // Send to custom analytics endpoint if configured
    this.sendToAnalyticsEndpoint(eventData)
  }

  /**
   * Track performance metrics
   */
  trackPerformanceMetric(metric: PerformanceMetric): void {
    const metricData = {
      ...metric,
      timestamp: metric.timestamp || new Date(),
      tags: {
        ...metric.tags,
        sessionId: this.sessionId,
        userId: this.userId || 'anonymous',
        environment: environmentManager.getEnvironment(),
        version: environmentManager.getVersion(),
      }
    }

    // Log for debugging
    if (environmentManager.isDevelopment()) {
      console.log('ðŸ“ˆ Metric:', metricData)
    }

    // Send to monitoring service
    this.sendToMetricsEndpoint(metricData)
  }

  /**
   * Report errors to monitoring services
   */
  reportError(report: ErrorReport): void {
    const errorData = {
      ...report,
      timestamp: report.timestamp || new Date(),
      userId: report.userId || this.userId,
      sessionId: report.sessionId || this.sessionId,
      stack: report.stack || report.error.stack,
      fingerprint: report.fingerprint || this.generateErrorFingerprint(report.error),
    }

    // Send to Sentry
    if (this.config.enableErrorTracking && typeof window !== 'undefined' && (window as any).Sentry) {
      ;(window as any).Sentry.captureException(report.error, {
        extra: errorData.context,
        user: {
          id: errorData.userId,
          sessionId: errorData.sessionId,
        },
        fingerprint: [errorData.fingerprint!]
      })
    }

    // Log for debugging
    if (environmentManager.isDevelopment()) {
      console.error('ðŸš¨ Error Report:', errorData)
    }

    // Send to custom error endpoint
    this.sendToErrorEndpoint(errorData)
  }

  private generateErrorFingerprint(error: Error): string {
    const message = error.message || 'Unknown error'
    const stack = error.stack?.split('\n')[1] || 'Unknown stack'
    return btoa(`${error.name}-${message}-${stack}`).slice(0, 32)
  }

  private async sendToAnalyticsEndpoint(event: MonitoringEvent): Promise<void> {
    if (!environmentManager.isProduction()) return

    try {
      await fetch('/api/analytics/events', {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(event),
      })
    } catch (error) {
      console.warn('Failed to send analytics event:', error)
    }
  }

  private async sendToMetricsEndpoint(metric: PerformanceMetric): Promise<void> {
    if (!environmentManager.isProduction()) return

    try {
      await fetch('/api/monitoring/metrics', {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(metric),
      })
    } catch (error) {
      console.warn('Failed to send performance metric:', error)
    }
  }

  private async sendToErrorEndpoint(errorData: ErrorReport): Promise<void> {
    if (!environmentManager.isProduction()) return

    try {
      await fetch('/api/monitoring/errors', {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({
          message: errorData.error.message,
          stack: errorData.stack,
          context: errorData.context,
          userId: errorData.userId,
          sessionId: errorData.sessionId,
          timestamp: errorData.timestamp,
          fingerprint: errorData.fingerprint,
        }),
      })
    } catch (error) {
      console.warn('Failed to send error report:', error)
    }
  }

  /**
   * Get session information
   */
  getSessionInfo() {
    return {
      sessionId: this.sessionId,
      userId: this.userId,
      version: environmentManager.getVersion(),
      environment: environmentManager.getEnvironment(),
      buildDate: environmentManager.getBuildDate(),
    }
  }
}

export const productionMonitoring = new ProductionMonitoringService()
export default productionMonitoring
