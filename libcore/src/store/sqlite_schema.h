#pragma once
// The SQLite schema as a list of migrations: migration k takes a store from version k-1 to k. A new
// store runs all of them, so every upgrade path is the one new stores take too.

#include "sqlite_db.h"

namespace keel::sqlite {

// Brings the store from its current user_version to target in one transaction.
Status Migrate(Db& db, int target);
Result<int> ReadSchemaVersion(Db& db);

}  // namespace keel::sqlite
