#pragma once
// Builds the Exchange an account config names: the adapter for its exchange.kind, over libcurl to
// its rest_url (certificates verified and checked against the URL's host, ca_path honoured), with
// its API key and secret. The daemon and every tool connect the same way.

#include <memory>

#include "keel/config/config.h"
#include "keel/exchange/exchange.h"

namespace keel {

// Reads the credentials from their sources first (once: an environment variable is gone after).
Result<std::unique_ptr<Exchange>> ConnectExchange(const AccountConfig& config, const Clock& clock);
// With credentials already read: the daemon builds one Exchange per REST worker from one reading.
Result<std::unique_ptr<Exchange>> ConnectExchange(const AccountConfig& config, const Credentials& credentials,
                                                  const Clock& clock);

}  // namespace keel
