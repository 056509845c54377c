#pragma once
// Client order ids carry the account's tag, so keel tells its own orders from anyone else's on the
// exchange (another bot's, or one placed by hand on the website), and ids are deterministic: the
// same purpose, symbol and time give the same id, so a retried decision cannot place twice.
//
//   k<tag>-<purpose letter><base36 ms>-<symbol tag>        at most 36 characters of [A-Za-z0-9_-]:
//                                                         valid as a Binance clientOrderId and as a
//                                                         Bybit orderLinkId (which allows no '.')
//
//   tag         the account name when it has 12 characters or fewer and no '-'; otherwise (longer,
//               or with a '-') its first 4 characters other than '-' followed by 8 base36
//               characters of a 64-bit hash of the whole name. A tag never contains '-', so
//               "k<tag>-" is never the start of another account's prefix: "kdemo-" does not begin
//               "kdemo_x-".
//   symbol tag  the symbol when it is at most 12 characters of A-Z, 0-9 and '_'; otherwise (longer,
//               or not ASCII, like "币安人生USDT") 'x' and 7 lower-case base36 characters of a hash
//               of the symbol. Exchange symbols are upper case, so the two forms never meet.
//
// Until 2026-12 the parts were separated by '.' ("kdemo.e….BTCUSDT"); ids of that form that are
// still open on an exchange are recognised as the account's own.
//
// Two accounts with the same tag would see each other's orders as their own: every account's name
// must be unique (it is also its config file's and store's name), and the hashed form of long names
// makes a collision of two distinct names a 1-in-10^12 event.

#include <string>

#include "keel/model/order_purpose.h"
#include "keel/model/time.h"

namespace keel {

// "k<tag>-" for the account.
std::string ClientIdPrefix(const std::string& account);
std::string MakeClientOrderId(const std::string& account, OrderPurpose purpose, const std::string& symbol, TimeMs at);
// True for the account's ids, of the current form or the '.' form before it.
bool IsOwnClientOrderId(const std::string& account, const std::string& client_order_id);

}  // namespace keel
