#include "keel/store/sqlite_store.h"

#include <sys/stat.h>

#include <type_traits>

#include "keel/store/record_json.h"
#include "sqlite_db.h"
#include "sqlite_schema.h"
#include "writer_lock.h"

namespace keel {

using sqlite::Db;
using sqlite::Stmt;

namespace {

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string position_key(const std::string& symbol, PositionSide side) { return symbol + "/" + to_string(side); }

// Decodes one row's columns into model types; the first bad column becomes the row's error.
class RowDecoder {
 public:
  RowDecoder(const Stmt& s, const char* table, std::string key) : s_(s), table_(table), key_(std::move(key)) {}

  Decimal Dec(int col, const char* name) {
    auto d = Decimal::Parse(s_.Text(col));
    if (!d.ok()) return Fail(name, d.status()), Decimal();
    return *d;
  }
  std::optional<Decimal> OptDec(int col, const char* name) {
    if (s_.IsNull(col)) return std::nullopt;
    return Dec(col, name);
  }
  template <typename E>
  E Enum(int col, const char* name, Result<E> (*parse)(std::string_view)) {
    auto v = parse(s_.Text(col));
    if (!v.ok()) return Fail(name, v.status()), E{};
    return *v;
  }
  template <typename E>
  std::optional<E> OptEnum(int col, const char* name, Result<E> (*parse)(std::string_view)) {
    if (s_.IsNull(col)) return std::nullopt;
    return Enum(col, name, parse);
  }
  Status status() const { return status_; }

 private:
  void Fail(const char* column, const Status& s) {
    if (status_.ok()) {
      status_ = Status::Storage(std::string(table_) + "." + column + " of " + key_ + ": " + s.message());
    }
  }
  const Stmt& s_;
  const char* table_;
  std::string key_;
  Status status_;
};

constexpr const char* kOrderColumns =
    "client_order_id, exchange_order_id, symbol, side, position_side, type, time_in_force, purpose, state, qty, "
    "price, stop_price, filled_qty, avg_price, reduce_only, close_position, exchange_created_ms, "
    "exchange_updated_ms, created_ms, updated_ms, close_up_to";

constexpr const char* kOrderUpdateSet =
    "exchange_order_id = excluded.exchange_order_id, symbol = excluded.symbol, side = excluded.side, "
    "position_side = excluded.position_side, type = excluded.type, time_in_force = excluded.time_in_force, "
    "purpose = excluded.purpose, state = excluded.state, qty = excluded.qty, price = excluded.price, "
    "stop_price = excluded.stop_price, filled_qty = excluded.filled_qty, avg_price = excluded.avg_price, "
    "reduce_only = excluded.reduce_only, close_position = excluded.close_position, "
    "exchange_created_ms = excluded.exchange_created_ms, exchange_updated_ms = excluded.exchange_updated_ms, "
    "created_ms = excluded.created_ms, updated_ms = excluded.updated_ms, close_up_to = excluded.close_up_to";

Result<OrderRecord> decode_order(const Stmt& s) {
  OrderRecord o;
  o.client_order_id = s.Text(0);
  RowDecoder d(s, "orders", o.client_order_id);
  o.exchange_order_id = s.OptText(1);
  o.symbol = s.Text(2);
  o.side = d.Enum(3, "side", parse_side);
  o.position_side = d.Enum(4, "position_side", parse_position_side);
  o.type = d.Enum(5, "type", parse_order_type);
  o.time_in_force = d.OptEnum(6, "time_in_force", parse_time_in_force);
  o.purpose = d.Enum(7, "purpose", parse_order_purpose);
  o.state = d.Enum(8, "state", parse_order_state);
  o.qty = d.Dec(9, "qty");
  o.price = d.OptDec(10, "price");
  o.stop_price = d.OptDec(11, "stop_price");
  o.filled_qty = d.Dec(12, "filled_qty");
  o.avg_price = d.OptDec(13, "avg_price");
  o.reduce_only = s.Int(14) != 0;
  o.close_position = s.Int(15) != 0;
  o.exchange_created_ms = s.OptInt(16);
  o.exchange_updated_ms = s.OptInt(17);
  o.created_ms = s.Int(18);
  o.updated_ms = s.Int(19);
  o.close_up_to = d.OptDec(20, "close_up_to");
  if (!d.status().ok()) return d.status();
  return o;
}

void bind_order(Stmt& s, const OrderRecord& o) {
  s.Bind(1, std::string_view(o.client_order_id));
  s.Bind(2, o.exchange_order_id);
  s.Bind(3, std::string_view(o.symbol));
  s.Bind(4, std::string_view(to_string(o.side)));
  s.Bind(5, std::string_view(to_string(o.position_side)));
  s.Bind(6, std::string_view(to_string(o.type)));
  if (o.time_in_force) s.Bind(7, std::string_view(to_string(*o.time_in_force)));
  else s.BindNull(7);
  s.Bind(8, std::string_view(to_string(o.purpose)));
  s.Bind(9, std::string_view(to_string(o.state)));
  s.Bind(10, o.qty);
  s.Bind(11, o.price);
  s.Bind(12, o.stop_price);
  s.Bind(13, o.filled_qty);
  s.Bind(14, o.avg_price);
  s.Bind(15, std::int64_t{o.reduce_only ? 1 : 0});
  s.Bind(16, std::int64_t{o.close_position ? 1 : 0});
  s.Bind(17, o.exchange_created_ms);
  s.Bind(18, o.exchange_updated_ms);
  s.Bind(19, o.created_ms);
  s.Bind(20, o.updated_ms);
  s.Bind(21, o.close_up_to);
}

constexpr const char* kPositionColumns =
    "id, symbol, position_side, qty, entry_price, state, opened_ms, closed_ms, exit_reason, stop_client_order_id, "
    "exchange_updated_ms";

Result<PositionRecord> decode_position(const Stmt& s) {
  PositionRecord p;
  p.id = s.Int(0);
  p.symbol = s.Text(1);
  RowDecoder d(s, "positions", "id " + std::to_string(p.id));
  p.position_side = d.Enum(2, "position_side", parse_position_side);
  p.qty = d.Dec(3, "qty");
  p.entry_price = d.Dec(4, "entry_price");
  p.state = d.Enum(5, "state", parse_position_state);
  p.opened_ms = s.Int(6);
  p.closed_ms = s.OptInt(7);
  p.exit_reason = s.OptText(8);
  p.stop_client_order_id = s.OptText(9);
  p.exchange_updated_ms = s.OptInt(10);
  if (!d.status().ok()) return d.status();
  return p;
}

Result<IntentRecord> decode_intent(const Stmt& s) {
  IntentRecord i;
  i.client_order_id = s.Text(0);
  RowDecoder d(s, "intents", i.client_order_id);
  i.purpose = d.Enum(1, "purpose", parse_order_purpose);
  i.symbol = s.Text(2);
  i.side = d.Enum(3, "side", parse_side);
  i.position_side = d.Enum(4, "position_side", parse_position_side);
  i.qty = d.Dec(5, "qty");
  i.price = d.OptDec(6, "price");
  i.reason = s.Text(7);
  i.created_ms = s.Int(8);
  if (!d.status().ok()) return d.status();
  return i;
}

Result<JournalEntry> decode_journal(const Stmt& s) {
  JournalEntry j;
  j.seq = s.Int(0);
  RowDecoder d(s, "journal", "seq " + std::to_string(j.seq));
  j.local_ms = s.Int(1);
  j.exchange_ms = s.OptInt(2);
  j.source = d.Enum(3, "source", parse_source);
  j.entity = s.Text(4);
  j.entity_id = s.Text(5);
  j.symbol = s.OptText(6);
  j.event = s.Text(7);
  j.payload = s.Text(8);
  if (!d.status().ok()) return d.status();
  return j;
}

Result<IncidentRecord> decode_incident(const Stmt& s) {
  IncidentRecord i;
  i.id = s.Int(0);
  RowDecoder d(s, "incidents", "id " + std::to_string(i.id));
  i.local_ms = s.Int(1);
  i.kind = d.Enum(2, "kind", parse_incident_kind);
  i.symbol = s.Text(3);
  i.position_side = d.OptEnum(4, "position_side", parse_position_side);
  i.client_order_id = s.OptText(5);
  i.detail = s.Text(6);
  i.action = s.Text(7);
  if (!d.status().ok()) return d.status();
  return i;
}

constexpr const char* kSignalColumns =
    "id, symbol, action, origin, payload, state, detail, position_side, entry_client_order_id, stop_client_order_id, "
    "take_profit_client_order_id, entry_attempts, received_ms, updated_ms";

Result<SignalRecord> decode_signal(const Stmt& s) {
  SignalRecord r;
  r.id = s.Text(0);
  RowDecoder d(s, "signals", r.id);
  r.symbol = s.Text(1);
  r.action = s.Text(2);
  r.origin = s.Text(3);
  r.payload = s.Text(4);
  r.state = d.Enum(5, "state", parse_signal_state);
  r.detail = s.Text(6);
  r.position_side = d.OptEnum(7, "position_side", parse_position_side);
  r.entry_client_order_id = s.OptText(8);
  r.stop_client_order_id = s.OptText(9);
  r.take_profit_client_order_id = s.OptText(10);
  r.entry_attempts = static_cast<int>(s.Int(11));
  r.received_ms = s.Int(12);
  r.updated_ms = s.Int(13);
  if (!d.status().ok()) return d.status();
  return r;
}

Result<Instrument> decode_instrument(const Stmt& s) {
  Instrument i;
  i.symbol = s.Text(0);
  RowDecoder d(s, "instruments", i.symbol);
  i.tick_size = d.Dec(1, "tick_size");
  i.step_size = d.Dec(2, "step_size");
  i.min_qty = d.Dec(3, "min_qty");
  i.min_notional = d.Dec(4, "min_notional");
  if (!d.status().ok()) return d.status();
  return i;
}

// Builds "SELECT cols FROM table WHERE ... ORDER BY key [DESC LIMIT n]" with the shared filters;
// limit keeps the newest rows, which are then returned oldest first.
struct Query {
  std::string where;
  std::vector<std::string> text_args;
  std::vector<std::int64_t> int_args;  // bound after text args, in order of appearance
  std::vector<bool> arg_is_text;

  void AddText(const std::string& clause, const std::string& v) {
    where += (where.empty() ? " WHERE " : " AND ") + clause;
    text_args.push_back(v);
    arg_is_text.push_back(true);
  }
  void AddInt(const std::string& clause, std::int64_t v) {
    where += (where.empty() ? " WHERE " : " AND ") + clause;
    int_args.push_back(v);
    arg_is_text.push_back(false);
  }
  void AddClause(const std::string& clause) { where += (where.empty() ? " WHERE " : " AND ") + clause; }
};

template <typename T, typename Decode>
Result<std::vector<T>> run_query(const Db& db, const char* columns, const char* table, const Query& q,
                                 const std::string& order_key, const std::optional<std::int64_t>& limit,
                                 Decode decode) {
  // order_key may name several columns ("a, b"): the direction applies to each of them.
  auto ordered = [&](const char* direction) {
    std::string out;
    std::size_t start = 0;
    while (start < order_key.size()) {
      std::size_t end = order_key.find(',', start);
      if (end == std::string::npos) end = order_key.size();
      out += (out.empty() ? "" : ", ") + order_key.substr(start, end - start) + " " + direction;
      start = end + 1;
    }
    return out;
  };
  std::string sql = std::string("SELECT ") + columns + " FROM " + table + q.where;
  if (limit) {
    sql = "SELECT * FROM (" + sql + " ORDER BY " + ordered("DESC") + " LIMIT " + std::to_string(*limit) +
          ") ORDER BY " + ordered("ASC");
  } else {
    sql += " ORDER BY " + ordered("ASC");
  }
  Stmt s;
  KEEL_RETURN_IF_ERROR(s.Prepare(db, sql));
  std::size_t ti = 0, ii = 0;
  for (std::size_t k = 0; k < q.arg_is_text.size(); ++k) {
    const int index = static_cast<int>(k) + 1;
    if (q.arg_is_text[k]) s.Bind(index, std::string_view(q.text_args[ti++]));
    else s.Bind(index, q.int_args[ii++]);
  }
  std::vector<T> out;
  for (;;) {
    auto row = s.Step();
    if (!row.ok()) return row.status().WithContext(std::string("reading ") + table);
    if (!*row) break;
    auto rec = decode(s);
    if (!rec.ok()) return rec.status();
    out.push_back(std::move(rec).value());
  }
  return out;
}

Status validate_limit(const std::optional<std::int64_t>& limit) {
  if (limit && *limit < 0) return Status::InvalidInput("limit must not be negative");
  return Status::Ok();
}

}  // namespace

struct SqliteStore::Impl {
  // Destroyed in reverse order: the statement is finalized, then the connection closed, and only
  // then is the writer lock released.
  std::optional<WriterLock> lock;  // held by writers only
  Db db;
  bool full_sync = true;
  std::unique_ptr<Stmt> journal_insert;

  Status SetDurability(bool full) {
    if (full == full_sync) return Status::Ok();
    KEEL_RETURN_IF_ERROR(db.Exec(full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL"));
    full_sync = full;
    return Status::Ok();
  }

  Status Journal(const JournalEntry& e) {
    // The hottest statement in the store: prepared once per connection.
    if (!journal_insert) {
      journal_insert = std::make_unique<Stmt>();
      Status prepared = journal_insert->Prepare(db,
                                                "INSERT INTO journal (local_ms, exchange_ms, source, entity, "
                                                "entity_id, symbol, event, payload) VALUES (?,?,?,?,?,?,?,?)");
      if (!prepared.ok()) {
        journal_insert.reset();
        return prepared;
      }
    }
    Stmt& s = *journal_insert;
    s.Reset();
    s.Bind(1, e.local_ms);
    s.Bind(2, e.exchange_ms);
    s.Bind(3, std::string_view(to_string(e.source)));
    s.Bind(4, std::string_view(e.entity));
    s.Bind(5, std::string_view(e.entity_id));
    s.Bind(6, e.symbol);
    s.Bind(7, std::string_view(e.event));
    s.Bind(8, std::string_view(e.payload.empty() ? std::string("null") : e.payload));
    return s.Run().WithContext("appending to journal");
  }

  Status JournalChange(TimeMs local_ms, const Provenance& p, const char* entity, std::string entity_id,
                       std::string symbol, std::string event, std::string payload) {
    JournalEntry e;
    e.local_ms = local_ms;
    e.exchange_ms = p.exchange_ms;
    e.source = p.source;
    e.entity = entity;
    e.entity_id = std::move(entity_id);
    e.symbol = std::move(symbol);
    e.event = p.reason.empty() ? std::move(event) : event + ": " + p.reason;
    e.payload = std::move(payload);
    return Journal(e);
  }

  Status Apply(TimeMs t, const WriteBatch::PutInstrumentOp& op) {
    KEEL_RETURN_IF_ERROR(op.instrument.Validate());
    Stmt s;
    KEEL_RETURN_IF_ERROR(s.Prepare(db,
                                   "INSERT INTO instruments (symbol, tick_size, step_size, min_qty, min_notional) "
                                   "VALUES (?,?,?,?,?) ON CONFLICT (symbol) DO UPDATE SET tick_size = excluded.tick_size, "
                                   "step_size = excluded.step_size, min_qty = excluded.min_qty, "
                                   "min_notional = excluded.min_notional"));
    s.Bind(1, std::string_view(op.instrument.symbol));
    s.Bind(2, op.instrument.tick_size);
    s.Bind(3, op.instrument.step_size);
    s.Bind(4, op.instrument.min_qty);
    s.Bind(5, op.instrument.min_notional);
    KEEL_RETURN_IF_ERROR(s.Run().WithContext("writing instrument " + op.instrument.symbol));
    return JournalChange(t, op.provenance, "instrument", op.instrument.symbol,
                         op.instrument.symbol, "upsert", ToJson(op.instrument));
  }

  Status Apply(TimeMs t, const WriteBatch::PutIntentOp& op) {
    const IntentRecord& i = op.intent;
    if (i.client_order_id.empty() || i.symbol.empty())
      return Status::InvalidInput("intent needs a client_order_id and a symbol");
    Stmt s;
    KEEL_RETURN_IF_ERROR(s.Prepare(db,
                                   "INSERT INTO intents (client_order_id, purpose, symbol, side, position_side, qty, "
                                   "price, reason, created_ms) VALUES (?,?,?,?,?,?,?,?,?)"));
    s.Bind(1, std::string_view(i.client_order_id));
    s.Bind(2, std::string_view(to_string(i.purpose)));
    s.Bind(3, std::string_view(i.symbol));
    s.Bind(4, std::string_view(to_string(i.side)));
    s.Bind(5, std::string_view(to_string(i.position_side)));
    s.Bind(6, i.qty);
    s.Bind(7, i.price);
    s.Bind(8, std::string_view(i.reason));
    s.Bind(9, i.created_ms);
    Status st = s.Run();
    if (!st.ok()) {
      if (sqlite3_extended_errcode(db.get()) == SQLITE_CONSTRAINT_PRIMARYKEY)
        return Status::Conflict("intent " + i.client_order_id + " already exists: client order ids are never reused");
      return st.WithContext("writing intent " + i.client_order_id);
    }
    return JournalChange(t, op.provenance, "intent", i.client_order_id, i.symbol, "intent", ToJson(i));
  }

  Status Apply(TimeMs t, const WriteBatch::PutSignalOp& op) {
    const SignalRecord& r = op.signal;
    if (r.id.empty() || r.symbol.empty()) return Status::InvalidInput("signal needs an id and a symbol");
    Stmt s;
    KEEL_RETURN_IF_ERROR(s.Prepare(
        db, std::string("INSERT INTO signals (") + kSignalColumns +
                ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET symbol = excluded.symbol, "
                "action = excluded.action, origin = excluded.origin, payload = excluded.payload, "
                "state = excluded.state, detail = excluded.detail, position_side = excluded.position_side, "
                "entry_client_order_id = excluded.entry_client_order_id, "
                "stop_client_order_id = excluded.stop_client_order_id, "
                "take_profit_client_order_id = excluded.take_profit_client_order_id, "
                "entry_attempts = excluded.entry_attempts, received_ms = excluded.received_ms, "
                "updated_ms = excluded.updated_ms"));
    s.Bind(1, std::string_view(r.id));
    s.Bind(2, std::string_view(r.symbol));
    s.Bind(3, std::string_view(r.action));
    s.Bind(4, std::string_view(r.origin));
    s.Bind(5, std::string_view(r.payload));
    s.Bind(6, std::string_view(to_string(r.state)));
    s.Bind(7, std::string_view(r.detail));
    if (r.position_side) s.Bind(8, std::string_view(to_string(*r.position_side)));
    else s.BindNull(8);
    s.Bind(9, r.entry_client_order_id);
    s.Bind(10, r.stop_client_order_id);
    s.Bind(11, r.take_profit_client_order_id);
    s.Bind(12, std::int64_t{r.entry_attempts});
    s.Bind(13, r.received_ms);
    s.Bind(14, r.updated_ms);
    KEEL_RETURN_IF_ERROR(s.Run().WithContext("writing signal " + r.id));
    return JournalChange(t, op.provenance, "signal", r.id, r.symbol, to_string(r.state), ToJson(r));
  }

  Status Apply(TimeMs t, const WriteBatch::PutOrderOp& op) {
    const OrderRecord& o = op.order;
    if (o.client_order_id.empty() || o.symbol.empty())
      return Status::InvalidInput("order needs a client_order_id and a symbol");
    Stmt get;
    KEEL_RETURN_IF_ERROR(get.Prepare(db, "SELECT state FROM orders WHERE client_order_id = ?"));
    get.Bind(1, std::string_view(o.client_order_id));
    auto row = get.Step();
    if (!row.ok()) return row.status().WithContext("reading order " + o.client_order_id);
    std::string event = "insert";
    if (*row) {
      auto previous = parse_order_state(get.Text(0));
      if (!previous.ok()) return Status::Storage("orders.state of " + o.client_order_id + ": " + previous.status().message());
      if (*previous != o.state) {
        Status legal = check_transition(*previous, o.state);
        if (!legal.ok()) return legal.WithContext("order " + o.client_order_id);
        event = std::string(to_string(*previous)) + "->" + to_string(o.state);
      } else {
        event = "update";
      }
    }
    Stmt s;
    // An upsert, not REPLACE: REPLACE deletes the row first, which a position's stop reference forbids.
    KEEL_RETURN_IF_ERROR(s.Prepare(db, std::string("INSERT INTO orders (") + kOrderColumns +
                                           ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                                           "ON CONFLICT (client_order_id) DO UPDATE SET " + kOrderUpdateSet));
    bind_order(s, o);
    KEEL_RETURN_IF_ERROR(s.Run().WithContext("writing order " + o.client_order_id));
    return JournalChange(t, op.provenance, "order", o.client_order_id, o.symbol, event, ToJson(o));
  }

  Status Apply(TimeMs t, const WriteBatch::PutOpenPositionOp& op) {
    PositionRecord p = op.position;
    if (p.symbol.empty()) return Status::InvalidInput("position needs a symbol");
    if (p.state != PositionState::kOpen) return Status::InvalidInput("PutOpenPosition with a closed position");
    Stmt find;
    KEEL_RETURN_IF_ERROR(
        find.Prepare(db, "SELECT id FROM positions WHERE symbol = ? AND position_side = ? AND state = 'open'"));
    find.Bind(1, std::string_view(p.symbol));
    find.Bind(2, std::string_view(to_string(p.position_side)));
    auto row = find.Step();
    if (!row.ok()) return row.status();
    const std::string key = position_key(p.symbol, p.position_side);
    Stmt s;
    std::string event;
    if (*row) {
      p.id = find.Int(0);
      event = "update";
      KEEL_RETURN_IF_ERROR(s.Prepare(db,
                                     "UPDATE positions SET qty = ?, entry_price = ?, opened_ms = ?, "
                                     "stop_client_order_id = ?, exchange_updated_ms = ? WHERE id = ?"));
      s.Bind(1, p.qty);
      s.Bind(2, p.entry_price);
      s.Bind(3, p.opened_ms);
      s.Bind(4, p.stop_client_order_id);
      s.Bind(5, p.exchange_updated_ms);
      s.Bind(6, p.id);
    } else {
      event = "open";
      KEEL_RETURN_IF_ERROR(s.Prepare(db,
                                     "INSERT INTO positions (symbol, position_side, qty, entry_price, state, "
                                     "opened_ms, stop_client_order_id, exchange_updated_ms) "
                                     "VALUES (?,?,?,?,'open',?,?,?)"));
      s.Bind(1, std::string_view(p.symbol));
      s.Bind(2, std::string_view(to_string(p.position_side)));
      s.Bind(3, p.qty);
      s.Bind(4, p.entry_price);
      s.Bind(5, p.opened_ms);
      s.Bind(6, p.stop_client_order_id);
      s.Bind(7, p.exchange_updated_ms);
    }
    KEEL_RETURN_IF_ERROR(s.Run().WithContext("writing position " + key));
    if (!*row) p.id = sqlite3_last_insert_rowid(db.get());
    return JournalChange(t, op.provenance, "position", key, p.symbol, event, ToJson(p));
  }

  Status Apply(TimeMs t, const WriteBatch::ClosePositionOp& op) {
    Stmt s;
    KEEL_RETURN_IF_ERROR(s.Prepare(db,
                                   "UPDATE positions SET state = 'closed', closed_ms = ?, exit_reason = ?, "
                                   "exchange_updated_ms = NULLIF(MAX(COALESCE(?, 0), COALESCE(exchange_updated_ms, 0)), 0) "
                                   "WHERE symbol = ? AND position_side = ? AND state = 'open' RETURNING " +
                                       std::string(kPositionColumns)));
    s.Bind(1, op.closed_ms);
    s.Bind(2, std::string_view(op.exit_reason));
    s.Bind(3, op.provenance.exchange_ms);
    s.Bind(4, std::string_view(op.symbol));
    s.Bind(5, std::string_view(to_string(op.position_side)));
    const std::string key = position_key(op.symbol, op.position_side);
    auto row = s.Step();
    if (!row.ok()) return row.status().WithContext("closing position " + key);
    if (!*row) return Status::NotFound("no open position " + key + " to close");
    auto closed = decode_position(s);
    if (!closed.ok()) return closed.status();
    KEEL_RETURN_IF_ERROR(s.Run());
    return JournalChange(t, op.provenance, "position", key, op.symbol, "close", ToJson(*closed));
  }

  Status Apply(TimeMs t, const WriteBatch::RecordIncidentOp& op) {
    IncidentRecord i = op.incident;
    if (i.local_ms == 0) i.local_ms = t;
    Stmt s;
    KEEL_RETURN_IF_ERROR(s.Prepare(db,
                                   "INSERT INTO incidents (local_ms, kind, symbol, position_side, client_order_id, "
                                   "detail, action) VALUES (?,?,?,?,?,?,?)"));
    s.Bind(1, i.local_ms);
    s.Bind(2, std::string_view(to_string(i.kind)));
    s.Bind(3, std::string_view(i.symbol));
    if (i.position_side) s.Bind(4, std::string_view(to_string(*i.position_side)));
    else s.BindNull(4);
    s.Bind(5, i.client_order_id);
    s.Bind(6, std::string_view(i.detail));
    s.Bind(7, std::string_view(i.action));
    KEEL_RETURN_IF_ERROR(s.Run().WithContext("recording incident"));
    i.id = sqlite3_last_insert_rowid(db.get());
    return JournalChange(t, Provenance{Source::kEngine, std::nullopt, ""}, "incident", std::to_string(i.id),
                         i.symbol, to_string(i.kind), ToJson(i));
  }

  Status Apply(TimeMs t, const WriteBatch::RecordExecutionOp& op) {
    const ExecutionRecord& x = op.execution;
    Stmt s;
    KEEL_RETURN_IF_ERROR(s.Prepare(db,
                                   "INSERT INTO executions (exec_id, local_ms, exchange_ms, symbol, client_order_id) "
                                   "VALUES (?,?,?,?,?) ON CONFLICT (exec_id) DO NOTHING"));
    s.Bind(1, std::string_view(x.exec_id));
    s.Bind(2, x.local_ms ? x.local_ms : t);
    s.Bind(3, x.exchange_ms);
    s.Bind(4, std::string_view(x.symbol));
    s.Bind(5, std::string_view(x.client_order_id));
    KEEL_RETURN_IF_ERROR(s.Run().WithContext("recording execution " + x.exec_id));
    if (sqlite3_changes(db.get()) == 0) return Status::Conflict("execution " + x.exec_id + " was recorded before");
    return Status::Ok();
  }

  Status Apply(TimeMs t, const WriteBatch::AppendJournalOp& op) {
    JournalEntry e = op.entry;
    if (e.local_ms == 0) e.local_ms = t;
    if (e.entity.empty() || e.event.empty()) return Status::InvalidInput("journal entry needs an entity and an event");
    if (!e.payload.empty() && !is_valid_json(e.payload))
      return Status::InvalidInput("journal payload for " + e.entity + " " + e.entity_id + " is not valid JSON");
    return Journal(e);
  }
};

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl, std::string path) : impl_(std::move(impl)), path_(std::move(path)) {}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::OpenWriter(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  auto lock = WriterLock::Acquire(path);
  if (!lock.ok()) return lock.status();
  impl->lock.emplace(std::move(lock).value());
  KEEL_RETURN_IF_ERROR(impl->db.Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX));
  KEEL_RETURN_IF_ERROR(impl->db.Exec("PRAGMA busy_timeout = 5000").WithContext(path));
  KEEL_RETURN_IF_ERROR(impl->db.Exec("PRAGMA journal_mode = WAL").WithContext(path));
  KEEL_RETURN_IF_ERROR(impl->db.Exec("PRAGMA synchronous = FULL").WithContext(path));
  KEEL_RETURN_IF_ERROR(impl->db.Exec("PRAGMA foreign_keys = ON").WithContext(path));
  auto version = sqlite::ReadSchemaVersion(impl->db);
  if (!version.ok()) return version.status().WithContext(path);
  if (*version > kSchemaVersion) {
    return Status::Storage("store " + path + " has schema version " + std::to_string(*version) +
                           ", newer than this keel understands (" + std::to_string(kSchemaVersion) +
                           "); refusing to open it: upgrade keel");
  }
  if (*version < kSchemaVersion) KEEL_RETURN_IF_ERROR(sqlite::Migrate(impl->db, kSchemaVersion).WithContext(path));
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl), path));
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::OpenReader(const std::string& path) {
  if (!file_exists(path)) return Status::NotFound("state store " + path + " does not exist");
  auto impl = std::make_unique<Impl>();
  KEEL_RETURN_IF_ERROR(impl->db.Open(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX));
  KEEL_RETURN_IF_ERROR(impl->db.Exec("PRAGMA busy_timeout = 5000").WithContext(path));
  auto version = sqlite::ReadSchemaVersion(impl->db);
  if (!version.ok()) return version.status().WithContext(path);
  if (*version == 0) return Status::Storage(path + " is not a keel state store (schema version 0)");
  if (*version > kSchemaVersion) {
    return Status::Storage("store " + path + " has schema version " + std::to_string(*version) +
                           ", newer than this keel understands (" + std::to_string(kSchemaVersion) + "): upgrade keel");
  }
  if (*version < kSchemaVersion) {
    return Status::Storage("store " + path + " has schema version " + std::to_string(*version) +
                           "; this keel reads version " + std::to_string(kSchemaVersion) +
                           ": open it once with a writer (keel-traderd) to migrate it");
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl), path));
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::OpenEmptyInMemory() {
  auto impl = std::make_unique<Impl>();
  KEEL_RETURN_IF_ERROR(impl->db.Open(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  KEEL_RETURN_IF_ERROR(sqlite::Migrate(impl->db, kSchemaVersion));
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl), ":memory:"));
}

Status SqliteStore::CreateAtSchemaVersion(const std::string& path, int version) {
  if (file_exists(path)) return Status::Conflict(path + " already exists");
  Db db;
  KEEL_RETURN_IF_ERROR(db.Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  KEEL_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode = WAL"));
  return sqlite::Migrate(db, version);
}

Status SqliteStore::Write(const WriteBatch& batch) {
  if (!impl_->lock) return Status::Conflict("store " + path_ + " was opened read-only");
  if (batch.empty()) return Status::Ok();
  KEEL_RETURN_IF_ERROR(impl_->SetDurability(batch.needs_full_durability()));
  KEEL_RETURN_IF_ERROR(impl_->db.Exec("BEGIN IMMEDIATE").WithContext("starting write on " + path_));
  for (const auto& op : batch.ops()) {
    Status s = std::visit([&](const auto& o) { return impl_->Apply(batch.local_ms(), o); }, op);
    if (!s.ok()) {
      Status rollback = impl_->db.Exec("ROLLBACK");
      if (!rollback.ok()) return s.WithContext("rollback also failed (" + rollback.message() + ")");
      return s;
    }
  }
  Status commit = impl_->db.Exec("COMMIT");
  if (!commit.ok()) {
    Status rollback = impl_->db.Exec("ROLLBACK");
    if (!rollback.ok()) return commit.WithContext("committing to " + path_ + "; rollback also failed");
    return commit.WithContext("committing to " + path_);
  }
  return Status::Ok();
}

Result<std::vector<Instrument>> SqliteStore::Instruments() {
  return run_query<Instrument>(impl_->db, "symbol, tick_size, step_size, min_qty, min_notional", "instruments", Query{},
                               "symbol", std::nullopt, decode_instrument);
}

Result<std::vector<IntentRecord>> SqliteStore::Intents(const RecordFilter& f) {
  KEEL_RETURN_IF_ERROR(validate_limit(f.limit));
  Query q;
  if (f.symbol) q.AddText("symbol = ?", *f.symbol);
  if (f.since_ms) q.AddInt("created_ms >= ?", *f.since_ms);
  return run_query<IntentRecord>(impl_->db,
                                 "client_order_id, purpose, symbol, side, position_side, qty, price, reason, created_ms",
                                 "intents", q, "created_ms,client_order_id", f.limit, decode_intent);
}

Result<std::vector<OrderRecord>> SqliteStore::Orders(const OrderFilter& f) {
  KEEL_RETURN_IF_ERROR(validate_limit(f.limit));
  Query q;
  if (f.symbol) q.AddText("symbol = ?", *f.symbol);
  if (f.since_ms) q.AddInt("updated_ms >= ?", *f.since_ms);
  if (f.state) q.AddText("state = ?", to_string(*f.state));
  if (f.open_only) q.AddClause("state NOT IN ('Filled', 'Canceled', 'Expired', 'Rejected')");
  return run_query<OrderRecord>(impl_->db, kOrderColumns, "orders", q, "updated_ms,client_order_id", f.limit,
                                decode_order);
}

Result<std::optional<OrderRecord>> SqliteStore::Order(const std::string& client_order_id) {
  Query q;
  q.AddText("client_order_id = ?", client_order_id);
  auto rows = run_query<OrderRecord>(impl_->db, kOrderColumns, "orders", q, "client_order_id", std::nullopt, decode_order);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<OrderRecord>();
  return std::optional<OrderRecord>(rows->front());
}

Result<std::vector<PositionRecord>> SqliteStore::Positions(const PositionFilter& f) {
  KEEL_RETURN_IF_ERROR(validate_limit(f.limit));
  Query q;
  if (f.symbol) q.AddText("symbol = ?", *f.symbol);
  if (f.since_ms) q.AddInt("(closed_ms IS NULL OR closed_ms >= ?)", *f.since_ms);
  if (f.state) q.AddText("state = ?", to_string(*f.state));
  return run_query<PositionRecord>(impl_->db, kPositionColumns, "positions", q, "opened_ms,id", f.limit,
                                   decode_position);
}

Result<std::vector<JournalEntry>> SqliteStore::Journal(const RecordFilter& f) {
  KEEL_RETURN_IF_ERROR(validate_limit(f.limit));
  Query q;
  if (f.symbol) q.AddText("symbol = ?", *f.symbol);
  if (f.since_ms) q.AddInt("local_ms >= ?", *f.since_ms);
  return run_query<JournalEntry>(impl_->db,
                                 "seq, local_ms, exchange_ms, source, entity, entity_id, symbol, event, payload",
                                 "journal", q, "seq", f.limit, decode_journal);
}

Result<std::vector<IncidentRecord>> SqliteStore::Incidents(const RecordFilter& f) {
  KEEL_RETURN_IF_ERROR(validate_limit(f.limit));
  Query q;
  if (f.symbol) q.AddText("symbol = ?", *f.symbol);
  if (f.since_ms) q.AddInt("local_ms >= ?", *f.since_ms);
  return run_query<IncidentRecord>(impl_->db,
                                   "id, local_ms, kind, symbol, position_side, client_order_id, detail, action",
                                   "incidents", q, "id", f.limit, decode_incident);
}

Result<std::vector<SignalRecord>> SqliteStore::Signals(const SignalFilter& f) {
  KEEL_RETURN_IF_ERROR(validate_limit(f.limit));
  Query q;
  if (f.symbol) q.AddText("symbol = ?", *f.symbol);
  if (f.since_ms) q.AddInt("updated_ms >= ?", *f.since_ms);
  if (f.unfinished_only) q.AddClause("state NOT IN ('rejected', 'closed', 'rolled-back', 'failed', 'done')");
  return run_query<SignalRecord>(impl_->db, kSignalColumns, "signals", q, "received_ms,id", f.limit, decode_signal);
}

Result<std::optional<SignalRecord>> SqliteStore::Signal(const std::string& id) {
  Query q;
  q.AddText("id = ?", id);
  auto rows = run_query<SignalRecord>(impl_->db, kSignalColumns, "signals", q, "id", std::nullopt, decode_signal);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<SignalRecord>();
  return std::optional<SignalRecord>(rows->front());
}

Result<bool> SqliteStore::ExecutionSeen(const std::string& exec_id) {
  Stmt s;
  KEEL_RETURN_IF_ERROR(s.Prepare(impl_->db, "SELECT 1 FROM executions WHERE exec_id = ?"));
  s.Bind(1, std::string_view(exec_id));
  auto row = s.Step();
  if (!row.ok()) return row.status().WithContext("reading execution " + exec_id);
  return *row;
}

Result<int> SqliteStore::SchemaVersion() { return sqlite::ReadSchemaVersion(impl_->db); }

Result<std::vector<std::string>> SqliteStore::IntegrityProblems() {
  std::vector<std::string> problems;
  for (const char* sql : {"PRAGMA integrity_check", "PRAGMA foreign_key_check"}) {
    Stmt s;
    KEEL_RETURN_IF_ERROR(s.Prepare(impl_->db, sql));
    const bool fk = std::string(sql).find("foreign") != std::string::npos;
    for (;;) {
      auto row = s.Step();
      if (!row.ok()) return row.status().WithContext(sql);
      if (!*row) break;
      if (fk) {
        problems.push_back("foreign key violation: " + s.Text(0) + " rowid " + s.Text(1) + " references " +
                           s.Text(2));
      } else if (s.Text(0) != "ok") {
        problems.push_back(s.Text(0));
      }
    }
  }
  return problems;
}

Result<std::vector<JournalGap>> SqliteStore::JournalGaps() {
  Stmt s;
  KEEL_RETURN_IF_ERROR(s.Prepare(impl_->db,
                                 "SELECT prev, seq FROM (SELECT seq, COALESCE(LAG(seq) OVER (ORDER BY seq), 0) AS prev "
                                 "FROM journal) WHERE seq != prev + 1"));
  std::vector<JournalGap> gaps;
  for (;;) {
    auto row = s.Step();
    if (!row.ok()) return row.status().WithContext("checking journal sequence");
    if (!*row) break;
    gaps.push_back(JournalGap{s.Int(0), s.Int(1)});
  }
  return gaps;
}

}  // namespace keel
