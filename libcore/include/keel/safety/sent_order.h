#pragma once
// The store's record of an order keel is about to send: written with its intent before the send,
// PendingNew until the exchange's answer (or a query by client order id) settles it. And the record
// of one keel finds already on the exchange.

#include "keel/exchange/exchange.h"
#include "keel/store/records.h"
#include "keel/store/state_store.h"

namespace keel {

// qty: the amount the order concerns (for a closePosition stop, the position's size).
OrderRecord PendingRecordOf(const PlaceOrder& order, OrderPurpose purpose, Decimal qty, TimeMs now);

// The record of a keel order found on the exchange that the store did not know (adopted), as the
// exchange reports it. qty: as for PendingRecordOf.
OrderRecord AdoptedRecordOf(const OrderReport& order, OrderPurpose purpose, Decimal qty, TimeMs now);

// keel's record of an order brought up to what the exchange reports of it: its lifecycle state, the
// exchange's id, the fill and the exchange's time. now: keel's time of the change.
OrderRecord UpdatedRecordOf(const OrderRecord& before, const OrderReport& report, TimeMs now);

// The order as keel's record of it last saw the exchange report it (the stream's push, an
// earlier answer): for a placement whose own answer was lost. Only meaningful for a record with
// the exchange's id (one the exchange has shown).
OrderReport ReportOfRecord(const OrderRecord& record);

// The store's record of the order brought up to the exchange's report, when it has one (store may
// be null: nothing is kept). Written only when the state or the fill changed.
Status RecordReported(StateStore* store, const std::string& client_order_id, const OrderReport& report, TimeMs now,
                      const std::string& why);
// The store's record of the order marked refused (rejected), when it has one.
Status RecordRefused(StateStore* store, const std::string& client_order_id, TimeMs now, const std::string& why);

}  // namespace keel
