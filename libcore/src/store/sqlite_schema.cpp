#include "sqlite_schema.h"

#include <string>

namespace keel::sqlite {
namespace {

// Version 1: the first schema. Positions did not yet name their protective stop; there was no
// incidents table.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE instruments (
  symbol        TEXT PRIMARY KEY,
  tick_size     TEXT NOT NULL,
  step_size     TEXT NOT NULL,
  min_qty       TEXT NOT NULL,
  min_notional  TEXT NOT NULL
) STRICT;

CREATE TABLE intents (
  client_order_id TEXT PRIMARY KEY,
  purpose         TEXT NOT NULL,
  symbol          TEXT NOT NULL,
  side            TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
  position_side   TEXT NOT NULL CHECK (position_side IN ('BOTH', 'LONG', 'SHORT')),
  qty             TEXT NOT NULL,
  price           TEXT,
  reason          TEXT NOT NULL,
  created_ms      INTEGER NOT NULL
) STRICT;
CREATE INDEX intents_by_time ON intents (created_ms);

CREATE TABLE orders (
  client_order_id     TEXT PRIMARY KEY,
  exchange_order_id   TEXT,
  symbol              TEXT NOT NULL,
  side                TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
  position_side       TEXT NOT NULL CHECK (position_side IN ('BOTH', 'LONG', 'SHORT')),
  type                TEXT NOT NULL,
  time_in_force       TEXT,
  purpose             TEXT NOT NULL,
  state               TEXT NOT NULL,
  qty                 TEXT NOT NULL,
  price               TEXT,
  stop_price          TEXT,
  filled_qty          TEXT NOT NULL,
  avg_price           TEXT,
  reduce_only         INTEGER NOT NULL CHECK (reduce_only IN (0, 1)),
  close_position      INTEGER NOT NULL CHECK (close_position IN (0, 1)),
  exchange_created_ms INTEGER,
  exchange_updated_ms INTEGER,
  created_ms          INTEGER NOT NULL,
  updated_ms          INTEGER NOT NULL
) STRICT;
CREATE INDEX orders_by_symbol ON orders (symbol, updated_ms);
CREATE INDEX orders_by_time ON orders (updated_ms);

CREATE TABLE positions (
  id                  INTEGER PRIMARY KEY,
  symbol              TEXT NOT NULL,
  position_side       TEXT NOT NULL CHECK (position_side IN ('BOTH', 'LONG', 'SHORT')),
  qty                 TEXT NOT NULL,
  entry_price         TEXT NOT NULL,
  state               TEXT NOT NULL CHECK (state IN ('open', 'closed')),
  opened_ms           INTEGER NOT NULL,
  closed_ms           INTEGER,
  exit_reason         TEXT,
  exchange_updated_ms INTEGER
) STRICT;
CREATE UNIQUE INDEX positions_one_open ON positions (symbol, position_side) WHERE state = 'open';

CREATE TABLE journal (
  seq         INTEGER PRIMARY KEY,
  local_ms    INTEGER NOT NULL,
  exchange_ms INTEGER,
  source      TEXT NOT NULL CHECK (source IN ('stream', 'rest', 'operator', 'engine')),
  entity      TEXT NOT NULL,
  entity_id   TEXT NOT NULL,
  symbol      TEXT,
  event       TEXT NOT NULL,
  payload     TEXT NOT NULL
) STRICT;
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
  BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
  BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
)sql";

// Version 2: a position names its protective stop (backfilled from the working stop orders of each
// open position), incidents are recorded, and the journal can be read by symbol.
constexpr const char* kVersion2 = R"sql(
ALTER TABLE positions ADD COLUMN stop_client_order_id TEXT REFERENCES orders (client_order_id);
UPDATE positions SET stop_client_order_id = (
  SELECT o.client_order_id FROM orders o
  WHERE o.symbol = positions.symbol AND o.position_side = positions.position_side
    AND o.purpose IN ('stop', 'emergency-stop') AND o.state IN ('New', 'PartiallyFilled', 'PendingAmend')
  ORDER BY o.updated_ms DESC LIMIT 1)
WHERE state = 'open';

CREATE TABLE incidents (
  id              INTEGER PRIMARY KEY,
  local_ms        INTEGER NOT NULL,
  kind            TEXT NOT NULL,
  symbol          TEXT NOT NULL,
  position_side   TEXT CHECK (position_side IN ('BOTH', 'LONG', 'SHORT')),
  client_order_id TEXT,
  detail          TEXT NOT NULL,
  action          TEXT NOT NULL
) STRICT;
CREATE INDEX incidents_by_time ON incidents (local_ms);
CREATE INDEX journal_by_symbol ON journal (symbol, seq);
)sql";

// Version 3: the daemon's signals, each with the orders of its trade.
constexpr const char* kVersion3 = R"sql(
CREATE TABLE signals (
  id                          TEXT PRIMARY KEY,
  symbol                      TEXT NOT NULL,
  action                      TEXT NOT NULL CHECK (action IN ('open', 'close')),
  origin                      TEXT NOT NULL,
  payload                     TEXT NOT NULL,
  state                       TEXT NOT NULL,
  detail                      TEXT NOT NULL,
  position_side               TEXT CHECK (position_side IN ('BOTH', 'LONG', 'SHORT')),
  entry_client_order_id       TEXT,
  stop_client_order_id        TEXT,
  take_profit_client_order_id TEXT,
  entry_attempts              INTEGER NOT NULL,
  received_ms                 INTEGER NOT NULL,
  updated_ms                  INTEGER NOT NULL
) STRICT;
CREATE INDEX signals_by_time ON signals (received_ms);
CREATE INDEX signals_by_state ON signals (state);
)sql";

// Version 4: how much a whole-position stop closes at most, where the venue caps it (Bybit).
constexpr const char* kVersion4 = R"sql(
ALTER TABLE orders ADD COLUMN close_up_to TEXT;
)sql";

// Version 5: the fills applied, by the venue's id of each, so that none is applied twice across a
// restart (Bybit's execId).
constexpr const char* kVersion5 = R"sql(
CREATE TABLE executions (
  exec_id         TEXT PRIMARY KEY,
  local_ms        INTEGER NOT NULL,
  exchange_ms     INTEGER NOT NULL,
  symbol          TEXT NOT NULL,
  client_order_id TEXT NOT NULL
) STRICT, WITHOUT ROWID;
)sql";

// Version 6: move signals (a trade's stop and take-profit moved) and cancel signals (pending
// entries cancelled). SQLite cannot change a CHECK
// constraint in place: the table is rebuilt with its rows.
constexpr const char* kVersion6 = R"sql(
CREATE TABLE signals_v6 (
  id                          TEXT PRIMARY KEY,
  symbol                      TEXT NOT NULL,
  action                      TEXT NOT NULL CHECK (action IN ('open', 'close', 'move', 'cancel')),
  origin                      TEXT NOT NULL,
  payload                     TEXT NOT NULL,
  state                       TEXT NOT NULL,
  detail                      TEXT NOT NULL,
  position_side               TEXT CHECK (position_side IN ('BOTH', 'LONG', 'SHORT')),
  entry_client_order_id       TEXT,
  stop_client_order_id        TEXT,
  take_profit_client_order_id TEXT,
  entry_attempts              INTEGER NOT NULL,
  received_ms                 INTEGER NOT NULL,
  updated_ms                  INTEGER NOT NULL
) STRICT;
INSERT INTO signals_v6 SELECT * FROM signals;
DROP TABLE signals;
ALTER TABLE signals_v6 RENAME TO signals;
CREATE INDEX signals_by_time ON signals (received_ms);
CREATE INDEX signals_by_state ON signals (state);
)sql";

// Version 7: add signals (one more entry on an open trade's leg) and flip signals (close, then
// open the other side).
constexpr const char* kVersion7 = R"sql(
CREATE TABLE signals_v7 (
  id                          TEXT PRIMARY KEY,
  symbol                      TEXT NOT NULL,
  action                      TEXT NOT NULL CHECK (action IN ('open', 'close', 'move', 'cancel', 'add', 'flip')),
  origin                      TEXT NOT NULL,
  payload                     TEXT NOT NULL,
  state                       TEXT NOT NULL,
  detail                      TEXT NOT NULL,
  position_side               TEXT CHECK (position_side IN ('BOTH', 'LONG', 'SHORT')),
  entry_client_order_id       TEXT,
  stop_client_order_id        TEXT,
  take_profit_client_order_id TEXT,
  entry_attempts              INTEGER NOT NULL,
  received_ms                 INTEGER NOT NULL,
  updated_ms                  INTEGER NOT NULL
) STRICT;
INSERT INTO signals_v7 SELECT * FROM signals;
DROP TABLE signals;
ALTER TABLE signals_v7 RENAME TO signals;
CREATE INDEX signals_by_time ON signals (received_ms);
CREATE INDEX signals_by_state ON signals (state);
)sql";

// Version 8: trail signals (the venue's own trailing stop beside a trade's stop).
constexpr const char* kVersion8 = R"sql(
CREATE TABLE signals_v8 (
  id                          TEXT PRIMARY KEY,
  symbol                      TEXT NOT NULL,
  action                      TEXT NOT NULL CHECK (action IN ('open', 'close', 'move', 'cancel', 'add', 'flip', 'trail')),
  origin                      TEXT NOT NULL,
  payload                     TEXT NOT NULL,
  state                       TEXT NOT NULL,
  detail                      TEXT NOT NULL,
  position_side               TEXT CHECK (position_side IN ('BOTH', 'LONG', 'SHORT')),
  entry_client_order_id       TEXT,
  stop_client_order_id        TEXT,
  take_profit_client_order_id TEXT,
  entry_attempts              INTEGER NOT NULL,
  received_ms                 INTEGER NOT NULL,
  updated_ms                  INTEGER NOT NULL
) STRICT;
INSERT INTO signals_v8 SELECT * FROM signals;
DROP TABLE signals;
ALTER TABLE signals_v8 RENAME TO signals;
CREATE INDEX signals_by_time ON signals (received_ms);
CREATE INDEX signals_by_state ON signals (state);
)sql";

constexpr const char* kMigrations[] = {kVersion1, kVersion2, kVersion3, kVersion4, kVersion5, kVersion6, kVersion7, kVersion8};
constexpr int kLatest = static_cast<int>(sizeof(kMigrations) / sizeof(kMigrations[0]));

}  // namespace

Result<int> ReadSchemaVersion(Db& db) {
  Stmt s;
  KEEL_RETURN_IF_ERROR(s.Prepare(db, "PRAGMA user_version"));
  auto row = s.Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::Storage("PRAGMA user_version returned no row");
  return static_cast<int>(s.Int(0));
}

Status Migrate(Db& db, int target) {
  if (target < 1 || target > kLatest) return Status::Internal("no schema version " + std::to_string(target));
  KEEL_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  auto version = ReadSchemaVersion(db);
  if (!version.ok()) {
    (void)db.Exec("ROLLBACK");
    return version.status();
  }
  for (int v = *version; v < target; ++v) {
    Status s = db.Exec(kMigrations[v]);
    if (!s.ok()) {
      (void)db.Exec("ROLLBACK");
      return s.WithContext("migrating schema to version " + std::to_string(v + 1));
    }
  }
  if (*version < target) {
    Status s = db.Exec("PRAGMA user_version = " + std::to_string(target));
    if (!s.ok()) {
      (void)db.Exec("ROLLBACK");
      return s;
    }
  }
  return db.Exec("COMMIT");
}

}  // namespace keel::sqlite
