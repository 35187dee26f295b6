// A thin RAII layer over the sqlite3 C API, private to the SQLite backend. Statements bind by
// 1-based index; errors come back as return values with the database's message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace ew::storage::sqlite {

class Db;

class Stmt {
 public:
  Stmt() = default;
  Stmt(Db& db, std::string_view sql);  // check ok() / the db's error afterwards
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  bool ok() const { return stmt_ != nullptr; }
  Stmt& bind(int index, std::int64_t value);
  Stmt& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Stmt& bind(int index, double value);
  // Not copied (SQLITE_STATIC): the text must stay alive until the statement is reset, which
  // run() does. Every caller binds fields of objects that outlive the statement's execution.
  Stmt& bind(int index, std::string_view text);
  Stmt& bind_null(int index);
  // SQLITE_ROW: true; SQLITE_DONE: false and done() is true; anything else: false, failed().
  bool step();
  bool done() const { return last_ == 101; }
  bool failed() const { return last_ != 100 && last_ != 101 && last_ != 0; }
  // Runs to completion; false on error.
  bool run();
  void reset();

  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  std::string_view text_view(int column) const;  // valid until the next step
  bool is_null(int column) const;

 private:
  Db* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int last_ = 0;
};

class Db {
 public:
  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Opens (creating when `create`) the file; false with error() set on failure.
  bool open(const std::string& path, bool create, bool read_only);
  void close();
  bool exec(std::string_view sql);  // one or more statements, no results
  std::string error() const;
  std::int64_t changes() const;
  std::int64_t last_insert_rowid() const;
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace ew::storage::sqlite
