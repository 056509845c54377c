#pragma once
// Builds the Exchange an account config names: the adapter for its exchange.kind, over libcurl to
// its rest_url (TLS verified, ca_path honoured), with its API key and secret. The daemon and every
// tool connect the same way.

#include <memory>

#include "keel/config/config.h"
#include "keel/exchange/exchange.h"

namespace keel {

Result<std::unique_ptr<Exchange>> ConnectExchange(const AccountConfig& config, const Clock& clock);

}  // namespace keel
