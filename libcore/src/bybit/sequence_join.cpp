#include "keel/bybit/sequence_join.h"

namespace keel::bybit {

bool SequenceJoin::FirstTime(const std::string& exec_id) {
  if (exec_id.empty()) return true;  // nothing to tell it apart by: never dropped
  if (!exec_ids_.insert(exec_id).second) return false;
  exec_order_.push_back(exec_id);
  if (exec_order_.size() > capacity_) {
    exec_ids_.erase(exec_order_.front());
    exec_order_.pop_front();
  }
  return true;
}

void SequenceJoin::Remember(const std::string& order_id, OrderFacts facts) {
  if (order_id.empty()) return;
  auto [it, added] = orders_.insert_or_assign(order_id, facts);
  (void)it;
  if (!added) return;
  order_ids_.push_back(order_id);
  if (order_ids_.size() > capacity_) {
    orders_.erase(order_ids_.front());
    order_ids_.pop_front();
  }
}

bool SequenceJoin::ResolveSide(OrderEvent& fill) const {
  if (auto it = orders_.find(fill.exchange_order_id); it != orders_.end()) {
    fill.position_side = it->second.position_side;
    fill.reduce_only = it->second.reduce_only;
    fill.close_position = it->second.close_position;
    return true;
  }
  if (auto mode = one_way_.find(fill.symbol); mode != one_way_.end() && mode->second) {
    fill.position_side = PositionSide::kBoth;
    return true;
  }
  return false;
}

bool SequenceJoin::Counted(const OrderEvent& fill) const {
  auto it = reported_seq_.find(KeyOf(fill.symbol, fill.position_side));
  return it != reported_seq_.end() && fill.seq && *fill.seq >= 0 && it->second >= *fill.seq;
}

void SequenceJoin::Release(TimeMs now, bool expire) {
  std::vector<OrderEvent> ready;
  std::vector<Waiting> still;
  for (auto& w : waiting_) {
    const bool sided = ResolveSide(w.fill);
    if (sided && Counted(w.fill)) {
      w.fill.fill_count = FillCount::kInPositionReport;
    } else if (expire && now - w.since >= window_ms_) {
      w.fill.fill_count = sided ? FillCount::kNotReported : FillCount::kUnknown;
    } else {
      still.push_back(std::move(w));
      continue;
    }
    ready.push_back(std::move(w.fill));
  }
  waiting_ = std::move(still);
  for (const auto& fill : ready)
    if (sink_.on_order) sink_.on_order(fill);
}

void SequenceJoin::Order(OrderEvent row, TimeMs now) {
  Remember(row.exchange_order_id, OrderFacts{row.position_side, row.reduce_only, row.close_position});
  if (sink_.on_order) sink_.on_order(row);
  if (!waiting_.empty()) Release(now, false);
}

void SequenceJoin::Executions(const ExecutionEvent& event, TimeMs now) {
  for (const auto& x : event.executions) {
    if (!FirstTime(x.exec_id)) {
      ++duplicates_;
      continue;
    }
    OrderEvent fill = FillEventOf(x, event.creation_time);
    if (!fill.is_fill()) {  // Funding: journaled, nothing to join
      fill.fill_count = FillCount::kInPositionReport;
      ResolveSide(fill);
      if (sink_.on_order) sink_.on_order(fill);
      continue;
    }
    if (ResolveSide(fill) && Counted(fill)) {
      fill.fill_count = FillCount::kInPositionReport;
      if (sink_.on_order) sink_.on_order(fill);
      continue;
    }
    waiting_.push_back(Waiting{std::move(fill), now});
  }
}

void SequenceJoin::Positions(PositionEvent event, TimeMs now) {
  std::vector<PositionReport> kept;
  for (auto& p : event.positions) {
    one_way_[p.symbol] = p.position_side == PositionSide::kBoth;
    if (p.seq && *p.seq >= 0) {
      std::int64_t& newest = reported_seq_[KeyOf(p.symbol, p.position_side)];
      if (*p.seq < newest) {  // an older row than one already applied: its size is out of date
        ++stale_positions_;
        continue;
      }
      newest = *p.seq;
    }
    kept.push_back(std::move(p));
  }
  if (!kept.empty() && sink_.on_position) {
    event.positions = std::move(kept);
    sink_.on_position(event);
  }
  if (!waiting_.empty()) Release(now, false);
}

void SequenceJoin::Expire(TimeMs now) {
  if (!waiting_.empty()) Release(now, true);
}

}  // namespace keel::bybit
