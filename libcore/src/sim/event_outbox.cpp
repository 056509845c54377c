#include "keel/sim/event_outbox.h"

#include <algorithm>

namespace keel::sim {

std::string event_detail(const UserEvent& e) {
  if (const auto* o = std::get_if<OrderUpdate>(&e.body)) return o->execution_type;
  if (const auto* a = std::get_if<AlgoUpdate>(&e.body)) return to_string(a->algo.status);
  return "";
}

void EventOutbox::Push(std::vector<UserEvent> events, TimeMs now, StreamFaults& faults) {
  std::vector<Entry> fresh;
  for (auto& e : events) {
    bool drop = false;
    for (auto& rule : faults.drop_rules) {
      if (rule.count <= 0 || rule.event_type != e.type_name()) continue;
      if (!rule.detail.empty() && rule.detail != event_detail(e)) continue;
      --rule.count;
      drop = true;
      break;
    }
    faults.drop_rules.erase(std::remove_if(faults.drop_rules.begin(), faults.drop_rules.end(),
                                           [](const DropRule& r) { return r.count <= 0; }),
                            faults.drop_rules.end());
    if (!drop && faults.drop_per_mille > 0 && static_cast<int>(rng_() % 1000) < faults.drop_per_mille) drop = true;
    if (drop) {
      ++counters_.dropped;
      continue;
    }
    TimeMs due = now + faults.delay_ms;
    if (faults.latency.ms > 0 || faults.latency.jitter_ms > 0) {
      const TimeMs jitter =
          faults.latency.jitter_ms > 0 ? static_cast<TimeMs>(rng_() % static_cast<std::uint64_t>(faults.latency.jitter_ms + 1)) : 0;
      // One connection: a later event never overtakes an earlier one.
      due = std::max(due + faults.latency.ms + jitter, last_latency_due_);
      last_latency_due_ = due;
    }
    if (faults.duplicate_next > 0) {
      --faults.duplicate_next;
      ++counters_.duplicated;
      fresh.push_back(Entry{due, next_seq_++, e});
    }
    fresh.push_back(Entry{due, next_seq_++, std::move(e)});
  }
  for (std::size_t i = 0; i + 1 < fresh.size() && faults.fill_before_position_next > 0; ++i) {
    const auto* trade = std::get_if<OrderUpdate>(&fresh[i + 1].event.body);
    if (!std::holds_alternative<AccountUpdate>(fresh[i].event.body) || !trade || trade->execution_type != "TRADE") continue;
    std::swap(fresh[i].seq, fresh[i + 1].seq);
    --faults.fill_before_position_next;
    ++counters_.reordered;
    ++i;
  }
  // Reordering swaps an event with the one that follows it in this batch.
  for (std::size_t i = 0; i + 1 < fresh.size() && faults.reorder_next > 0; i += 2) {
    std::swap(fresh[i].seq, fresh[i + 1].seq);
    --faults.reorder_next;
    ++counters_.reordered;
  }
  counters_.queued += static_cast<std::int64_t>(fresh.size());
  for (auto& f : fresh) queue_.push_back(std::move(f));
}

std::vector<UserEvent> EventOutbox::TakeDue(TimeMs now) {
  std::vector<Entry> due;
  std::vector<Entry> later;
  for (auto& e : queue_) (e.due <= now ? due : later).push_back(std::move(e));
  queue_ = std::move(later);
  std::sort(due.begin(), due.end(), [](const Entry& a, const Entry& b) {
    return a.due != b.due ? a.due < b.due : a.seq < b.seq;
  });
  std::vector<UserEvent> out;
  out.reserve(due.size());
  for (auto& e : due) out.push_back(std::move(e.event));
  counters_.delivered += static_cast<std::int64_t>(out.size());
  return out;
}

}  // namespace keel::sim
