// The embedded SQLite backend: one database file in WAL mode, one writer connection (used only
// by the Writer thread) and a small pool of read connections, so queries never wait for commits.
//
// Durability: synchronous=FULL by default. In WAL mode that fsyncs the log at every commit, so a
// committed (and therefore acknowledged) batch survives kill -9 and power loss alike. NORMAL
// skips that fsync: still safe against kill -9 (the log is in the OS page cache) but the last
// commits can be lost on power failure. Group commit makes FULL affordable: one fsync covers
// every request that arrived during the previous commit.
#pragma once

#include <memory>
#include <string>

#include "storage/store.h"

namespace ew::storage {

struct SqliteOptions {
  std::string path = "edgewatch.db";
  bool synchronous_full = true;
  std::int64_t cache_kib = 16 * 1024;      // writer page cache
  std::int64_t read_cache_kib = 8 * 1024;  // per read connection
};

// Opens or creates the database and migrates it to the latest schema. Throws std::runtime_error
// (at startup only) when the file cannot be opened, is not a database, or is too new.
std::unique_ptr<Store> open_sqlite_store(const SqliteOptions& options);

}  // namespace ew::storage
