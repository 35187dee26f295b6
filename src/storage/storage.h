// The storage module: where monitoring data is kept. It owns the [storage] and [retention]
// sections and the data directory, and gives the monitoring backend its Store (the narrow
// interface of store.h) and group-commit Writer (writer.h). Other modules include only this
// header; the SQLite backend's headers are private to this folder.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "config/config.h"
#include "core/module.h"
#include "storage/records.h"
#include "storage/result.h"
#include "storage/store.h"
#include "storage/vitals_math.h"
#include "storage/writer.h"

namespace ew::storage {

// The directory edgewatch keeps its files in ([storage] data_dir, made absolute): the database,
// the health history and the deployments log unless configured elsewhere.
std::string data_directory(const config::Settings& settings);

// The database and writer settings of [storage] and [retention].
struct StorageOptions {
  std::string database;  // the SQLite file, inside the data directory unless absolute
  bool synchronous_full = true;
  std::int64_t cache_kib = 16 * 1024;
  WriterOptions writer;
};
StorageOptions storage_options(const config::Settings& settings);

// Opens or creates the database and migrates it to the latest schema. Throws std::runtime_error
// (at startup only) when the file cannot be opened, is not a database, or is too new.
std::unique_ptr<Store> open_store(const StorageOptions& options);

// Readiness's storage check: an empty batch committed through the writer (its thread, its
// transaction, the database lock), then a read, within `timeout`.
struct ProbeResult {
  bool ok = false;
  std::string details;  // what failed, or a note
};
using Probe = std::function<ProbeResult()>;
Probe make_probe(Writer& writer, Store& store,
                 std::chrono::milliseconds timeout = std::chrono::seconds(2));

// Declares [storage] and [retention]; at start, creates the data directory and says where it is.
ModulePtr make_storage_module();

}  // namespace ew::storage
