#pragma once
// The store against the exchange, per symbol and position side. Quantities are compared exactly
// after rounding both to the instrument's step (a tolerance like 0.01 is wrong for most symbols).
//
// Kinds, and what "fix" does for each (every fix journaled with the state before and after):
//   store-open-exchange-flat  close the store's position, with that position's own evidence: a flat
//                             row of it newer than keel's record (AttachFlatEvidence); without such
//                             a read nothing is changed (a lagging read shows the row from before
//                             the open, seed 004)
//   exchange-open-store-flat  adopt the exchange's position into the store
//   quantity                  take the exchange's quantity and entry price
//   side                      take the exchange's side (sign), quantity and entry price
//   order-store-only          reported here; settled by GhostSweep (keel-cancel-ghosts)
//   order-exchange-only       reported here; cancelled by GhostSweep when asked (keel-prefixed only)

#include <map>
#include <set>
#include <string>
#include <vector>

#include "keel/exchange/exchange.h"
#include "keel/safety/store_view.h"

namespace keel {

enum class MismatchKind {
  kStoreOpenExchangeFlat,
  kExchangeOpenStoreFlat,
  kQuantity,
  kSide,
  kOrderStoreOnly,
  kOrderExchangeOnly,
};
const char* to_string(MismatchKind kind);
Result<MismatchKind> parse_mismatch_kind(std::string_view text);

struct Mismatch {
  MismatchKind kind;
  std::string symbol;
  PositionSide position_side = PositionSide::kBoth;
  Decimal store_amount;     // signed
  Decimal exchange_amount;  // signed
  Decimal exchange_entry_price;
  TimeMs exchange_time = 0;  // the venue's time of this position's own evidence; 0: none
  std::string client_order_id;  // order kinds
  std::string detail;
};

struct ReconcileOptions {
  std::string account;
  TimeMs now = 0;             // keel's clock, for the grace of positions opened moments ago
  TimeMs grace_ms = 10'000;
  std::map<std::string, Decimal> step_sizes;  // per symbol; absent: compared as they are
};

struct Reconciliation {
  std::vector<Mismatch> mismatches;
  std::vector<std::string> ignored;  // stale reads that disagree with the store, young store positions; explained
};

Reconciliation Reconcile(const AccountReport& exchange, const StoreView& store, const ReconcileOptions& options);

// Reads each store-open-exchange-flat position's own row (flat rows included) and keeps, as its
// evidence, a flat row newer than what keel applied to it; the others keep exchange_time 0 and a
// detail saying why. One read per such mismatch.
Status AttachFlatEvidence(Exchange& exchange, const StoreView& store, std::vector<Mismatch>& mismatches);

// Applies the fixes for the mismatches whose kind is in `fix`, in one batch per mismatch, each with
// a journal entry holding the position before and after and an incident. A position mismatch
// without evidence (exchange_time 0) is not applied. Returns the ones applied.
Result<std::vector<Mismatch>> ApplyReconcileFixes(StateStore& store, const std::vector<Mismatch>& mismatches,
                                                  const std::set<MismatchKind>& fix, TimeMs now);

}  // namespace keel
