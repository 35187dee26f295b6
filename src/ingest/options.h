// Everything the ingestion module reads from the configuration, validated once at startup.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "ingest/quota.h"
#include "ingest/seed.h"
#include "ingest/sentry.h"
#include "storage/storage.h"

namespace ew::ingest {

struct SentryProject {
  std::int64_t id = 0;
  std::string public_key;
  std::string name;
};

struct IngestOptions {
  bool enabled = true;
  std::string analytics_path = "/api/analytics/events";
  std::string metrics_path = "/api/monitoring/metrics";
  std::string errors_path = "/api/monitoring/errors";
  std::uint64_t max_body_size = 512 * 1024;  // as received
  SeedLimits seed;                           // seed.max_size: decoded
  std::size_t session_items_per_minute = 600;
  double address_rate = 50;  // requests per second and client address; 0 = off
  double address_burst = 200;
  bool drop_self_timings = true;
  std::size_t max_metric_names = 500;
  std::size_t max_metric_series = 5000;
  int retry_after_s = 1;
  QuotaOptions quotas;  // per project, for the seed endpoints (project 0) and Sentry alike

  bool sentry_enabled = true;
  std::vector<SentryProject> projects;
  std::uint64_t sentry_max_body_size = 1 << 20;
  std::uint64_t sentry_max_decompressed_size = 4 << 20;
  SentryLimits sentry;
  double key_rate = 100;  // envelopes per second and key; 0 = off
  double key_burst = 500;

  storage::StorageOptions storage;
};

void declare_ingest_settings(config::Schema& schema);
void validate_ingest_settings(const config::Settings& settings, std::vector<std::string>& problems);
IngestOptions ingest_options(const config::Settings& settings);

}  // namespace ew::ingest
