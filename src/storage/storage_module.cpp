#include <spdlog/spdlog.h>

#include <filesystem>
#include <future>
#include <system_error>

#include "config/keys.h"
#include "storage/sqlite_store.h"
#include "storage/storage.h"

namespace ew::storage {
namespace {

using config::Kind;

class StorageModule final : public Module {
 public:
  std::string_view name() const override { return "storage"; }

  void declare(config::Schema& schema) override {
    auto& storage = schema.section("storage", "Where monitoring data is kept");
    storage.keys = {
        config::key("data_dir", Kind::kPath, "edgewatch-data",
                    "Directory for the database, the health history and the deployments log; "
                    "created at start, after the listeners are up"),
        config::key("path", Kind::kPath, "edgewatch.db",
                    "SQLite database file (WAL mode); relative paths are inside data_dir"),
        config::choice(
            "synchronous", Kind::kEnum, "full",
            "full: every acknowledged commit survives power loss; normal: survives kill -9 only",
            {"full", "normal"}),
        config::bounded(
            "queue_records", Kind::kInt, "50000",
            "Records waiting for the writer at most; beyond, ingestion answers 503 (429 for "
            "Sentry)",
            100, 10'000'000),
        config::bounded("group_records", Kind::kInt, "10000", "Records per transaction at most", 1,
                        10'000'000),
        config::key("cache_size", Kind::kSize, "16MiB", "SQLite page cache of the writer"),
    };
    auto& retention = schema.section("retention", "How long monitoring data is kept");
    retention.keys = {
        config::key("raw_events", Kind::kDuration, "30d",
                    "Error events, web-vital samples, analytics events"),
        config::key("issues", Kind::kDuration, "90d", "Issues not seen for this long are deleted"),
        config::key("summaries", Kind::kDuration, "90d", "Per-minute metric summaries"),
        config::key("interval", Kind::kDuration, "10m", "How often expired data is looked for"),
        config::bounded("batch_rows", Kind::kInt, "1000", "Rows deleted per short transaction", 1,
                        1'000'000),
    };
  }

  void start(const config::Settings& settings, Registrar& registrar) override {
    (void)registrar;
    const std::string dir = data_directory(settings);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      throw std::runtime_error("storage.data_dir: cannot create " + dir + ": " + ec.message() +
                               "; choose a writable directory");
    }
    spdlog::info("data directory {}", dir);
  }
};

}  // namespace

std::string data_directory(const config::Settings& settings) {
  const std::filesystem::path dir = settings.section("storage").get_string("data_dir");
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(dir, ec);
  return (ec ? dir : absolute).lexically_normal().string();
}

StorageOptions storage_options(const config::Settings& settings) {
  StorageOptions o;
  const config::Table& st = settings.section("storage");
  const std::filesystem::path database = st.get_string("path");
  o.database = database.is_absolute()
                   ? database.string()
                   : (std::filesystem::path(data_directory(settings)) / database).string();
  o.synchronous_full = st.get_string("synchronous") == "full";
  o.cache_kib = static_cast<std::int64_t>(st.get_size("cache_size") / 1024);
  o.writer.queue_records = static_cast<std::size_t>(st.get_int("queue_records"));
  o.writer.group_records = static_cast<std::size_t>(st.get_int("group_records"));
  const config::Table& r = settings.section("retention");
  o.writer.retention.raw_events = r.get_duration("raw_events").count();
  o.writer.retention.issues = r.get_duration("issues").count();
  o.writer.retention.summaries = r.get_duration("summaries").count();
  o.writer.retention.batch_rows = static_cast<std::size_t>(r.get_int("batch_rows"));
  o.writer.retention_interval = r.get_duration("interval");
  return o;
}

std::unique_ptr<Store> open_store(const StorageOptions& options) {
  SqliteOptions sqlite;
  sqlite.path = options.database;
  sqlite.synchronous_full = options.synchronous_full;
  sqlite.cache_kib = options.cache_kib;
  return open_sqlite_store(sqlite);
}

Probe make_probe(Writer& writer, Store& store, std::chrono::milliseconds timeout) {
  return [&writer, &store, timeout]() -> ProbeResult {
    auto done = std::make_shared<std::promise<std::string>>();
    auto result = done->get_future();
    auto submitted =
        writer.submit(WriteBatch{}, [done](const WriteOutcome*, const std::string* error) {
          done->set_value(error ? *error : std::string());
        });
    if (submitted == Writer::Submit::kFull) {
      return {false, "the write queue is full"};
    }
    if (submitted == Writer::Submit::kStopped) return {false, "the writer has stopped"};
    if (result.wait_for(timeout) != std::future_status::ready) {
      return {false, "no commit within " + std::to_string(timeout.count()) + " ms"};
    }
    std::string error = result.get();
    if (!error.empty()) return {false, "commit failed: " + error};
    auto counts = store.counts();
    if (!counts.ok()) return {false, "read failed: " + counts.error()};
    return {true, ""};
  };
}

ModulePtr make_storage_module() {
  return std::make_unique<StorageModule>();
}

}  // namespace ew::storage
