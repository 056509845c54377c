#pragma once
// A plain http:// or ws:// URL carries everything in clear: the API key header and signed requests
// to the exchange, a webhook's secret path (a Telegram bot token, a Slack hook). Plain URLs are
// accepted to this machine only (the simulator, a local relay), unless the config allows them.

#include <string>

#include "config_validator.h"

namespace keel {

// The URL's host is this machine: "localhost", an IPv4 address in 127.0.0.0/8 or [::1]. A URL with
// user information ('@') or a backslash in its authority is never taken for loopback: parsers
// disagree on where such a host begins.
bool IsLoopbackUrl(const std::string& url);

// A problem at key when url is http:// or ws:// to a host other than loopback and allow_insecure
// (named allow_key in the message) is not set. what_travels says what would cross the network.
void RefusePlainUrl(ConfigValidator& v, const std::string& key, const std::string& url, bool allow_insecure,
                    const std::string& allow_key, const std::string& what_travels);

}  // namespace keel
