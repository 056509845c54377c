#pragma once
// Internal RAII wrappers over the SQLite C API. Errors come back as Status with SQLite's message.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "keel/model/decimal.h"
#include "keel/model/status.h"

namespace keel::sqlite {

class Db {
 public:
  Db() = default;
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // flags: SQLITE_OPEN_* flags.
  Status Open(const std::string& path, int flags);
  Status Exec(const std::string& sql);
  sqlite3* get() const { return db_; }
  Status Error(const std::string& context) const;

 private:
  sqlite3* db_ = nullptr;
};

class Stmt {
 public:
  Stmt() = default;
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Status Prepare(const Db& db, std::string_view sql);
  // Binding: 1-based index, as in SQLite.
  void Bind(int i, std::string_view text);
  void Bind(int i, std::int64_t value);
  void Bind(int i, Decimal value) { Bind(i, std::string_view(value.ToString())); }
  void BindNull(int i);
  void Bind(int i, const std::optional<std::string>& v) { v ? Bind(i, std::string_view(*v)) : BindNull(i); }
  void Bind(int i, const std::optional<std::int64_t>& v) { v ? Bind(i, *v) : BindNull(i); }
  void Bind(int i, const std::optional<Decimal>& v) { v ? Bind(i, *v) : BindNull(i); }

  // true: a row is ready; false: done. Errors as Status.
  Result<bool> Step();
  Status Run();  // steps to completion
  void Reset();

  bool IsNull(int col) const;
  std::int64_t Int(int col) const;
  std::string Text(int col) const;
  std::optional<std::string> OptText(int col) const;
  std::optional<std::int64_t> OptInt(int col) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
};

}  // namespace keel::sqlite
