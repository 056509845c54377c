#pragma once
// Client order ids carry the account's prefix, so keel tells its own orders from anyone else's on
// the exchange (another bot's, or one placed by hand on the website), and ids are deterministic:
// the same purpose, symbol and time give the same id, so a retried decision cannot place twice.
//
//   k<account, up to 12 chars>-<purpose letter><base36 ms>-<symbol, up to 12 chars>   (<= 36 chars)

#include <string>

#include "keel/model/order_purpose.h"
#include "keel/model/time.h"

namespace keel {

std::string ClientIdPrefix(const std::string& account);
std::string MakeClientOrderId(const std::string& account, OrderPurpose purpose, const std::string& symbol, TimeMs at);
bool IsOwnClientOrderId(const std::string& account, const std::string& client_order_id);

}  // namespace keel
