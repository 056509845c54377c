// keel-reconcile, keel-cancel-ghosts and keel-close-position as library calls.
#include <chrono>
#include <ostream>
#include <thread>

#include "keel/model/json_writer.h"
#include "keel/ops/exit_code.h"
#include "keel/ops/safety_tools.h"
#include "keel/ops/table.h"
#include "keel/safety/ghost_sweep.h"
#include "keel/safety/safe_close.h"

namespace keel::ops {

Result<int> RunReconcile(ToolContext& ctx, const ReconcileOptions& o) {
  KEEL_RETURN_IF_ERROR(CheckOptions(o));
  if (o.fix) KEEL_RETURN_IF_ERROR(ctx.RequireStore("fix the store"));
  auto read = ctx.exchange->AccountAndInstruments();  // one round trip for the whole picture
  if (!read.ok()) return read.status().WithContext("reading the account from the exchange");
  const AccountReport* account = &read->account;
  const InstrumentList* instruments = &read->instruments;
  auto view = LoadStoreView(*ctx.store);
  if (!view.ok()) return view.status();
  keel::ReconcileOptions options;
  options.account = ctx.account();
  options.now = ctx.clock.NowMs();
  options.grace_ms = o.grace_ms;
  for (const auto& i : instruments->instruments) options.step_sizes[i.symbol] = i.step_size;
  Reconciliation r = Reconcile(*account, *view, options);
  std::vector<Mismatch> shown;
  for (const auto& m : r.mismatches)
    if (o.kinds.empty() || o.kinds.count(m.kind)) shown.push_back(m);

  std::vector<Mismatch> fixed;
  if (o.fix && !shown.empty()) {
    std::set<MismatchKind> fix = o.kinds;
    if (fix.empty())
      fix = {MismatchKind::kStoreOpenExchangeFlat, MismatchKind::kExchangeOpenStoreFlat, MismatchKind::kQuantity,
             MismatchKind::kSide};
    KEEL_RETURN_IF_ERROR(ctx.Confirm(o.yes, "fix " + std::to_string(shown.size()) + " mismatch(es) in the store"));
    KEEL_RETURN_IF_ERROR(ctx.OpenWriter(StoreCreation::kMustExist, "fix the store"));
    if (fix.count(MismatchKind::kStoreOpenExchangeFlat)) {
      KEEL_RETURN_IF_ERROR(AttachFlatEvidence(*ctx.exchange, *view, shown));
    }
    auto applied = ApplyReconcileFixes(*ctx.store, shown, fix, ctx.clock.NowMs());
    if (!applied.ok()) return applied.status();
    fixed = std::move(applied).value();
  }
  auto was_fixed = [&](const Mismatch& m) {
    for (const auto& f : fixed)
      if (f.kind == m.kind && f.symbol == m.symbol && f.position_side == m.position_side) return true;
    return false;
  };
  if (ctx.common.json) {
    JsonWriter w(true);
    w.StartObject().Key("mismatches").StartArray();
    for (const auto& m : shown) {
      w.StartObject().Key("kind").String(to_string(m.kind)).Key("symbol").String(m.symbol);
      w.Key("position_side").String(to_string(m.position_side));
      w.Key("store_amount").Number(m.store_amount).Key("exchange_amount").Number(m.exchange_amount);
      if (m.client_order_id.empty()) w.Key("client_order_id").Null();
      else w.Key("client_order_id").String(m.client_order_id);
      w.Key("detail").String(m.detail).Key("fixed").Bool(was_fixed(m)).EndObject();
    }
    w.EndArray().Key("ignored").StartArray();
    for (const auto& i : r.ignored) w.String(i);
    w.EndArray().EndObject();
    ctx.out << w.str() << '\n';
  } else {
    if (shown.empty() && r.ignored.empty()) {
      ctx.out << "store and exchange agree\n";
    } else if (shown.empty()) {
      ctx.out << "store and exchange agree on what was compared; " << r.ignored.size() << " not compared:\n";
    } else {
      Table t({"KIND", "SYMBOL", "SIDE", "ORDER", "DETAIL", "FIXED"});
      for (const auto& m : shown)
        t.AddRow({to_string(m.kind), m.symbol, to_string(m.position_side),
                  m.client_order_id.empty() ? "-" : m.client_order_id, m.detail, was_fixed(m) ? "yes" : "no"});
      t.Print(ctx.out);
      if (!r.ignored.empty()) ctx.out << "\nnot compared:\n";
    }
    for (const auto& i : r.ignored) ctx.out << "  " << i << '\n';
  }
  return shown.empty() ? kExitAllClear : kExitFindings;
}

Result<int> RunCancelGhosts(ToolContext& ctx, const CancelGhostsOptions& o) {
  if (o.cancel) KEEL_RETURN_IF_ERROR(ctx.RequireStore("cancel keel's unknown orders"));
  auto account = ctx.exchange->Account();
  if (!account.ok()) return account.status().WithContext("reading the account from the exchange");
  auto view = LoadStoreView(*ctx.store);
  if (!view.ok()) return view.status();
  if (o.cancel) {
    KEEL_RETURN_IF_ERROR(ctx.Confirm(o.yes, "settle ghost orders in the store and cancel keel's unknown orders"));
    KEEL_RETURN_IF_ERROR(ctx.OpenWriter(StoreCreation::kMustExist, "cancel keel's unknown orders"));
  }
  GhostSweepOptions options;
  options.account = ctx.account();
  options.act = o.cancel;
  options.now = ctx.clock.NowMs();
  const auto outcomes = SweepGhosts(*ctx.exchange, ctx.store.get(), *view, *account, options);
  bool failed = false;
  for (const auto& g : outcomes) failed |= !g.ok;
  if (ctx.common.json) {
    JsonWriter w(true);
    w.StartObject().Key("ghosts").StartArray();
    for (const auto& g : outcomes) {
      w.StartObject().Key("client_order_id").String(g.client_order_id).Key("symbol").String(g.symbol);
      w.Key("book").String(to_string(g.book)).Key("where").String(g.store_only ? "store-only" : "exchange-only");
      w.Key("action").String(g.action).Key("ok").Bool(g.ok).EndObject();
    }
    w.EndArray().EndObject();
    ctx.out << w.str() << '\n';
  } else if (outcomes.empty()) {
    ctx.out << "no ghosts: the store's open orders and keel's open orders on the exchange match\n";
  } else {
    Table t({"ORDER", "SYMBOL", "BOOK", "WHERE", "ACTION"});
    for (const auto& g : outcomes)
      t.AddRow({g.client_order_id, g.symbol, to_string(g.book), g.store_only ? "store only" : "exchange only", g.action});
    t.Print(ctx.out);
  }
  if (failed) {
    for (const auto& g : outcomes)
      if (!g.ok) return Status::Transport(g.client_order_id + ": " + g.action);
  }
  return outcomes.empty() ? kExitAllClear : kExitFindings;
}

Result<int> RunClosePosition(ToolContext& ctx, const ClosePositionOptions& o) {
  KEEL_RETURN_IF_ERROR(CheckOptions(o));
  const bool partial = o.qty || o.pct;
  const std::string part = o.qty ? o.qty->ToString() + " of " : o.pct ? o.pct->ToString() + "% of " : "";
  KEEL_RETURN_IF_ERROR(ctx.Confirm(o.yes, "close " + part + "the " + o.symbol + " position at market"));
  // The close needs no store: its side comes from the exchange and it is verified there. An account
  // keel never tracked is closed store-less, and nothing is created for it.
  if (!ctx.store_missing) KEEL_RETURN_IF_ERROR(ctx.OpenWriter(StoreCreation::kMustExist, "close " + o.symbol));
  SafeCloseOptions options;
  options.account = ctx.account();
  options.symbol = o.symbol;
  options.position_side = o.position_side;
  options.verify_attempts = o.verify_attempts;
  options.verify_interval_ms = o.verify_interval_ms;
  options.now = [&ctx] { return ctx.clock.NowMs(); };
  options.sleep = [&ctx](TimeMs ms) { ctx.clock.SleepMs(ms); };
  options.reduce_by = o.qty;
  options.reduce_pct = o.pct;
  options.place_limit_exits_again = !o.run_by_daemon;
  auto r = SafeClose(*ctx.exchange, ctx.store_missing ? nullptr : ctx.store.get(), options);
  if (!r.ok()) return r.status();
  if (ctx.common.json) {
    JsonWriter w(true);
    w.StartObject().Key("symbol").String(o.symbol).Key("position_side").String(to_string(r->position_side));
    w.Key("was_flat").Bool(r->was_flat).Key("closed_amount").Number(r->closed_amount);
    w.Key("close_side").String(r->was_flat ? "" : to_string(r->close_side));
    w.Key("close_orders").StartArray();
    for (const auto& c : r->close_orders) {
      w.StartObject().Key("client_order_id").String(c.client_order_id);
      w.Key("status").String(to_string(c.status)).Key("filled_qty").Number(c.filled_qty);
      w.Key("avg_price").Number(c.avg_price).EndObject();
    }
    w.EndArray();
    w.Key("verified_flat").Bool(r->verified_flat);
    if (partial) {
      w.Key("reduced_by").Number(r->reduced_by).Key("verified_reduced").Bool(r->verified_reduced);
      if (r->verified_reduced) w.Key("remaining_amount").Number(r->remaining_amount);
    }
    if (!(partial ? r->verified_reduced : r->verified_flat)) w.Key("not_verified").String(r->not_verified_reason);
    w.Key("take_profits_ended").StartArray();
    for (const auto& c : r->limit_exits_ended) w.String(c);
    w.EndArray().Key("take_profits_placed").StartArray();
    for (const auto& c : r->limit_exits_placed) w.String(c);
    w.EndArray().Key("take_profits_not_placed").StartArray();
    for (const auto& c : r->limit_exits_not_placed) w.String(c);
    w.EndArray();
    w.Key("cancelled").StartArray();
    for (const auto& c : r->cancelled) w.String(c);
    w.EndArray().Key("steps").StartArray();
    for (const auto& s : r->steps) w.String(s);
    w.EndArray().EndObject();
    ctx.out << w.str() << '\n';
  } else {
    for (const auto& s : r->steps) ctx.out << s << '\n';
  }
  // A take-profit the close ended and could not place again: the close is done, the position is
  // not as its bot left it (its stop still protects it).
  if (partial) return r->verified_reduced && r->limit_exits_not_placed.empty() ? kExitAllClear : kExitNotVerified;
  return r->verified_flat ? kExitAllClear : kExitNotVerified;
}

}  // namespace keel::ops
