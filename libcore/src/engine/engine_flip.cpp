// Flip signals: keel's position on the symbol (one-way) or on the other leg (hedge mode) closed the
// safe way of a close signal, proven flat, and only then the other side opened as an open signal
// would ("<flip id>.open"). A close that is not proven opens nothing: on a one-way account an open
// on top of a position that is still there would net against it, the opposite of a flip.
#include "engine_trade.h"
#include "keel/model/json_fields.h"

namespace keel {
namespace {

constexpr TimeMs kFlipPushWaitMs = 5000;
constexpr TimeMs kFlipPushPollMs = 10;

PositionSide Opposite(PositionSide direction) {
  return direction == PositionSide::kLong ? PositionSide::kShort : PositionSide::kLong;
}

}  // namespace

void Engine::FlipTrade(const Signal& s, const std::string& origin, ReplyFn reply) {
  const std::string payload = SignalJson(s);
  auto refuse = [&](const Status& why) { Reject(s.id, s.symbol, "flip", origin, payload, why, reply); };
  const std::string open_id = FlipOpenId(s.id);
  auto used = store_.Signal(open_id);
  if (!used.ok()) return reply(ReplyOf(2, "error", s.id, used.status().message()));
  if (*used) return refuse(Status::Conflict("id: the flip's open would be signal " + open_id + ", which was seen before"));
  const PositionSide from_leg = hedge_mode_ ? LegFor(Opposite(s.direction)) : PositionSide::kBoth;
  const std::string from = s.symbol + (hedge_mode_ ? "/" + std::string(to_string(from_leg)) : std::string());
  auto held = OpenPositionOf(store_, s.symbol, from_leg);
  if (!held.ok()) return reply(ReplyOf(2, "error", s.id, held.status().message()));
  if (!hedge_mode_) {
    const Trade* t = ActiveTradeOn(s.symbol, from_leg);
    const bool already = (*held && (*held)->qty.is_positive() == (s.direction == PositionSide::kLong)) ||
                         (t && t->signal.direction == s.direction);
    if (already)
      return refuse(Status::Conflict(std::string("side: ") + s.symbol + " is " + to_string(s.direction) +
                                     " already: a flip goes to the other side (an add adds to this one)"));
  }
  // The open is checked now, before anything is closed: a flip whose open would be refused closes
  // nothing. Checked again once the close is proven (the market moved meanwhile).
  Signal open = s;
  open.action = SignalAction::kOpen;
  open.id = open_id;
  Decimal qty;
  Status ok = CheckSignal(open, qty, !hedge_mode_);
  if (!ok.ok()) return refuse(ok);
  const TimeMs now = clock_.NowMs();
  SignalRecord r = ReceivedSignal(s.id, s.symbol, "flip", origin, payload, SignalState::kClosing, now);
  r.position_side = from_leg;
  r.detail = "closing " + from + " before opening " + to_string(s.direction) + " as signal " + open_id;
  WriteBatch b(now);
  b.PutSignal(r, Provenance{Source::kEngine, std::nullopt, "flip signal taken"});
  Status st = store_.Write(b);
  if (!st.ok()) return reply(ReplyOf(2, "error", s.id, "recording the flip: " + st.message()));
  ++counters_.signals_taken;
  Log("signal " + s.id + ": " + r.detail);
  Flatten(
      s.symbol,
      [this, s, origin, from_leg, reply, now](EngineReply closed) {
        if (closed.exit_code != 0 || hedge_mode_) return AfterFlipClose(s, origin, from_leg, std::move(closed), reply);
        OpenAfterFlip(s, origin, from_leg, now, std::move(closed), reply);
      },
      hedge_mode_ ? std::optional<PositionSide>(from_leg) : std::nullopt);
}

void Engine::OpenAfterFlip(const Signal& s, const std::string& origin, PositionSide from_leg, TimeMs since,
                           EngineReply closed, ReplyFn reply) {
  const std::string key = s.symbol + "/" + to_string(from_leg);
  auto pushed = flat_pushed_ms_.find(key);
  // Nothing was open to push flat (the close had nothing to do), or the stream is down: its
  // pushes are lost then, not late, and the reconnect's read is merged by time.
  PositionFilter of_symbol;
  of_symbol.symbol = s.symbol;
  of_symbol.state = PositionState::kClosed;
  auto ended = store_.Positions(of_symbol);
  bool closed_now = false;
  if (ended.ok())
    for (const auto& p : *ended) closed_now |= p.position_side == from_leg && p.closed_ms && *p.closed_ms >= since;
  if ((pushed != flat_pushed_ms_.end() && pushed->second >= since) || !stream_live_ || !closed_now)
    return AfterFlipClose(s, origin, from_leg, std::move(closed), std::move(reply));
  if (clock_.NowMs() - since > kFlipPushWaitMs)
    return AfterFlipClose(s, origin, from_leg, std::move(closed), std::move(reply),
                          "the stream has not shown the close within " + std::to_string(kFlipPushWaitMs / 1000) +
                              " s (a late push of it would close the open's record)");
  loop_.After(kFlipPushPollMs, [this, s, origin, from_leg, since, closed, reply] {
    OpenAfterFlip(s, origin, from_leg, since, closed, reply);
  });
}

void Engine::AfterFlipClose(const Signal& s, const std::string& origin, PositionSide from_leg, EngineReply closed,
                            ReplyFn reply, const std::string& not_opened) {
  const std::string open_id = FlipOpenId(s.id);
  auto rec = store_.Signal(s.id);
  if (!rec.ok() || !*rec) return reply(ReplyOf(2, "error", s.id, "the flip's record is gone"));
  SignalRecord r = **rec;
  auto finish = [&](SignalState state, const std::string& detail) {
    r.state = state;
    r.detail = detail;
    r.updated_ms = clock_.NowMs();
    WriteBatch b(clock_.NowMs());
    b.PutSignal(r, Provenance{Source::kEngine, std::nullopt, "flip signal"});
    WriteOrLog(b, "recording flip signal " + s.id);
    Log("flip signal " + s.id + ": " + detail);
  };
  const std::string from = s.symbol + (hedge_mode_ ? "/" + std::string(to_string(from_leg)) : std::string());
  if (closed.exit_code != 0) {
    // Not proven flat (keel keeps closing it) or not closed: the other side is not opened.
    // The close's own words say why (a rate refusal names until when to wait).
    std::string why;
    if (auto answer = JsonFields::Parse(closed.json, "answer"); answer.ok())
      if (auto d = answer->String("detail"); d.ok() && *d) why = **d;
    const std::string detail = "the close of " + from + " was " + (closed.exit_code == 4 ? "not verified" : "not done") +
                               " (exit " + std::to_string(closed.exit_code) + (why.empty() ? "" : ": " + why) +
                               "): nothing opened";
    finish(closed.exit_code == 4 ? SignalState::kUnresolved : SignalState::kFailed, detail);
    return reply(ReplyOf(closed.exit_code, closed.exit_code == 4 ? "not-verified" : "error", s.id, detail));
  }
  Signal open = s;
  open.action = SignalAction::kOpen;
  open.id = open_id;
  Decimal qty;
  Status ok = !not_opened.empty() ? Status::Conflict(not_opened)
              : paused_           ? Status::Conflict("paused: no new entries (keel-ctl resume)")
                                  : CheckSignal(open, qty);
  if (!ok.ok()) {
    const std::string detail = "closed " + from + " (verified flat); the open was refused: " + ok.message();
    finish(SignalState::kFailed, detail);
    return reply(ReplyOf(2, "closed-not-opened", s.id, detail));
  }
  finish(SignalState::kDone, "closed " + from + " (verified flat); opening " + to_string(s.direction) + " as signal " + open_id);
  OpenTrade(open, qty, origin, std::move(reply));
}

void Engine::RestoreFlips(const std::vector<SignalRecord>& unfinished) {
  for (const auto& r : unfinished) {
    if (r.action != "flip") continue;
    SignalRecord ended = r;
    auto open = store_.Signal(FlipOpenId(r.id));
    if (open.ok() && *open) {
      ended.state = SignalState::kDone;
      ended.detail = "closed (verified flat); opened as signal " + FlipOpenId(r.id);
    } else {
      // Its close goes on as any close a restart cut short; the bot's decision to open is not
      // acted on this late.
      ended.state = SignalState::kFailed;
      ended.detail = "cut short by a restart before its open: nothing opened (a trade it was closing keeps closing; " + r.detail + ")";
    }
    ended.updated_ms = clock_.NowMs();
    WriteBatch b(clock_.NowMs());
    b.PutSignal(ended, Provenance{Source::kEngine, std::nullopt, "flip signal after a restart"});
    WriteOrLog(b, "recording flip signal " + r.id);
    LogWarning("flip signal " + r.id + ": " + ended.detail);
  }
}

}  // namespace keel
