// Cancel signals: a symbol's pending entries (one leg's in hedge mode) cancelled, as their time
// limit would: what filled of an entry before its cancel is the trade, protected as any fill; an
// entry that ends with nothing filled ends its signal failed. "cancelled" is answered only once
// every entry has ended on the exchange, as the stream or a read told it; a cancel whose end is
// not seen in time is "not verified" (exit 4), and keel keeps at it.
#include "engine_trade.h"

namespace keel {
namespace {

constexpr TimeMs kCancelPollMs = 100;
constexpr TimeMs kCancelAnswerWithinMs = 30'000;
constexpr TimeMs kCancelRecheckMs = 1000;                 // after the answer "not verified"
constexpr TimeMs kCancelWatchAfterAnswerMs = 10 * 60'000;

}  // namespace

void Engine::CancelEntries(const Signal& s, const std::string& origin, ReplyFn reply) {
  const std::string payload = SignalJson(s);
  if (s.leg && !hedge_mode_)
    return Reject(s.id, s.symbol, "cancel", origin, payload,
                  Status::InvalidInput("side: the account is in one-way mode: cancel the symbol's entries, naming no leg"), reply);
  std::vector<std::string> pending;
  for (const auto& [id, t] : trades_) {
    if (t->finished || t->signal.symbol != s.symbol || (s.leg && t->leg != *s.leg)) continue;
    // A maker entry partly filled is a protected trade whose entry still rests: it counts too; so
    // does an entry whose placement is still on its way (its record not ended): it is cancelled
    // the moment it is known resting (OnEntryPlaced, OnEntryVerified).
    if (!t->maker() || t->expiring || is_closing(t->state) || is_final(t->state)) continue;
    if (!t->entry_resting) {
      if (!t->record.entry_client_order_id) continue;
      auto entry = store_.Order(*t->record.entry_client_order_id);
      if (!entry.ok() || !*entry || is_terminal((*entry)->state)) continue;
    }
    pending.push_back(id);
  }
  // Adds resting on the leg's trades are pending entries too; what filled of them stays.
  std::vector<std::pair<std::string, std::string>> adds;  // trade, add signal
  for (const auto& [id, t] : trades_) {
    if (t->finished || t->signal.symbol != s.symbol || (s.leg && t->leg != *s.leg)) continue;
    for (const auto& a : t->adds)
      if (a.cancel_reason.empty()) adds.emplace_back(id, a.record.id);
  }
  for (const auto& [tid, aid] : adds) pending.push_back(aid);
  const TimeMs now = clock_.NowMs();
  const std::string where = s.symbol + (s.leg ? std::string("/") + to_string(*s.leg) : std::string());
  SignalRecord r = ReceivedSignal(s.id, s.symbol, "cancel", origin, payload, SignalState::kOpen, now);
  r.position_side = s.leg;
  ++counters_.signals_taken;
  if (pending.empty()) {
    // Nothing resting: by rule (exit 1), recorded so that the id is not acted on again.
    r.state = SignalState::kDone;
    r.detail = "no pending entry on " + where + ": nothing sent";
    WriteBatch b(now);
    b.PutSignal(r, Provenance{Source::kEngine, std::nullopt, "cancel signal: nothing pending"});
    WriteOrLog(b, "recording cancel signal " + s.id);
    return reply(ReplyOf(1, "nothing-pending", s.id, r.detail));
  }
  std::string ids;
  for (const auto& id : pending) ids += (ids.empty() ? "" : ", ") + id;
  r.detail = "cancelling the pending entries of " + where + ": signal(s) " + ids;
  WriteBatch b(now);
  b.PutSignal(r, Provenance{Source::kEngine, std::nullopt, "cancel signal taken"});
  Status st = store_.Write(b);
  if (!st.ok()) return reply(ReplyOf(3, "error", s.id, "recording the cancel: " + st.message()));
  Log("signal " + s.id + ": " + r.detail);
  for (const auto& id : pending)
    if (TradeOf(id)) CancelRestingEntry(id, "cancelled by signal " + s.id);
  for (const auto& [tid, aid] : adds)
    if (Trade* t = TradeOf(tid)) CancelAdd(*t, aid, "cancelled by signal " + s.id);
  AwaitEntriesEnded(s.id, std::move(pending), now + kCancelAnswerWithinMs, std::move(reply));
}

void Engine::AwaitEntriesEnded(const std::string& cancel_id, std::vector<std::string> trade_ids, TimeMs until,
                               ReplyFn reply) {
  std::vector<std::string> ended, resting;
  for (const auto& id : trade_ids) {
    // Ended when its signal is (nothing filled) or its entry order is terminal in the store, as the
    // stream or a read told it; a part filled is the trade, protected from its first fill on. An
    // add is no trade of its own: its record names its order.
    auto rec = store_.Signal(id);
    Trade* t = TradeOf(id);
    std::optional<std::string> entry = t ? t->record.entry_client_order_id
                                       : rec.ok() && *rec && (*rec)->action == "add" ? (*rec)->entry_client_order_id
                                                                                     : std::nullopt;
    bool over = !entry;
    if (!over) {
      auto order = store_.Order(*entry);
      over = order.ok() && *order && is_terminal((*order)->state);
    }
    const std::string detail = rec.ok() && *rec ? (*rec)->detail : std::string("?");
    if (over) ended.push_back(id + ": " + detail);
    else resting.push_back(id);
  }
  const bool done = resting.empty();
  const TimeMs now = clock_.NowMs();
  const bool answer_due = reply && (done || now >= until);
  const bool giving_up = !done && now >= until + kCancelWatchAfterAnswerMs;
  if (!done && !answer_due && !giving_up) {
    // Still resting: asked again shortly; after the sender's answer ("not verified"), keel keeps
    // watching (CancelOrder sends a failed cancel again) and records the end when it comes.
    loop_.After(reply ? kCancelPollMs : kCancelRecheckMs,
                [this, cancel_id, trade_ids = std::move(trade_ids), until, reply = std::move(reply)]() mutable {
                  AwaitEntriesEnded(cancel_id, std::move(trade_ids), until, std::move(reply));
                });
    return;
  }
  std::string text;
  for (const auto& e : ended) text += (text.empty() ? "" : "; ") + e;
  if (trade_ids.empty()) text = "no pending entry was left";
  if (!done) {
    std::string still;
    for (const auto& id : resting) still += (still.empty() ? "" : ", ") + id;
    text += std::string(text.empty() ? "" : "; ") + "not seen ended yet: " + still +
            (giving_up ? " (keel-cancel-ghosts lists what still rests)" : " (keel keeps at it)");
  }
  if (auto rec = store_.Signal(cancel_id); rec.ok() && *rec) {
    SignalRecord r = **rec;
    r.state = done ? SignalState::kDone : SignalState::kUnresolved;
    r.detail = text;
    r.updated_ms = now;
    WriteBatch b(now);
    b.PutSignal(r, Provenance{Source::kEngine, std::nullopt, done ? "entries cancelled" : "cancel not verified"});
    WriteOrLog(b, "recording cancel signal " + cancel_id);
  }
  Log("cancel signal " + cancel_id + ": " + text);
  if (reply) reply(ReplyOf(done ? 0 : 4, done ? "cancelled" : "not-verified", cancel_id, text));
  if (!done && !giving_up) {
    loop_.After(kCancelRecheckMs, [this, cancel_id, trade_ids = std::move(trade_ids), until]() mutable {
      AwaitEntriesEnded(cancel_id, std::move(trade_ids), until, nullptr);
    });
  }
}

}  // namespace keel
