// Versioned migrations of the SQLite schema. The schema_version table holds the version the
// file is at; each migration runs in its own transaction and bumps it. A file written by a newer
// edgewatch (a version above the newest known) is refused rather than guessed at.
#pragma once

#include <string>

namespace ew::storage::sqlite {

class Db;

int latest_schema_version();
// Brings the database to the latest version. False with `error` set on failure.
bool migrate(Db& db, std::string& error);

}  // namespace ew::storage::sqlite
