#include "keel/safety/client_ids.h"

#include <cstdint>

namespace keel {
namespace {

char purpose_letter(OrderPurpose p) {
  switch (p) {
    case OrderPurpose::kEntry: return 'e';
    case OrderPurpose::kStop: return 's';
    case OrderPurpose::kTakeProfit: return 't';
    case OrderPurpose::kEmergencyStop: return 'x';
    case OrderPurpose::kClose: return 'c';
    case OrderPurpose::kGrid: return 'g';
    case OrderPurpose::kTrailingStop: return 'r';
  }
  return 'o';
}

constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";

std::string base36(std::uint64_t v) {
  if (v == 0) return "0";
  std::string out;
  while (v > 0) {
    out.insert(out.begin(), kDigits[v % 36]);
    v /= 36;
  }
  return out;
}

// Exactly `width` base36 digits of v (its lowest ones).
std::string base36_fixed(std::uint64_t v, std::size_t width) {
  std::string out(width, '0');
  for (std::size_t i = width; i > 0; --i) {
    out[i - 1] = kDigits[v % 36];
    v /= 36;
  }
  return out;
}

// FNV-1a, 64 bits: stable across builds and platforms, which std::hash is not.
std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

constexpr std::size_t kMaxTag = 12;

std::string account_tag(const std::string& account) {
  if (account.size() <= kMaxTag && account.find('-') == std::string::npos) return account;
  std::string head;
  for (char c : account)
    if (c != '-' && head.size() < 4) head.push_back(c);
  return head + base36_fixed(fnv1a(account), 8);
}

std::string symbol_tag(const std::string& symbol) {
  bool plain = !symbol.empty() && symbol.size() <= kMaxTag;
  for (char c : symbol) plain = plain && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
  if (plain) return symbol;
  return "x" + base36_fixed(fnv1a(symbol), 7);
}

}  // namespace

std::string ClientIdPrefix(const std::string& account) { return "k" + account_tag(account) + "-"; }

std::string MakeClientOrderId(const std::string& account, OrderPurpose purpose, const std::string& symbol, TimeMs at) {
  return ClientIdPrefix(account) + purpose_letter(purpose) + base36(static_cast<std::uint64_t>(at > 0 ? at : 0)) + "-" +
         symbol_tag(symbol);
}

bool IsOwnClientOrderId(const std::string& account, const std::string& client_order_id) {
  // The current form has no '.': that keeps "kdemo-" from claiming "kdemo-x.e….BTCUSDT", an id of
  // the old form made for the account "demo-x".
  if (client_order_id.rfind(ClientIdPrefix(account), 0) == 0) return client_order_id.find('.') == std::string::npos;
  // The '.' form of before 2026-12, with the tag of then (the name up to 12 characters, else 4 + hash).
  const std::string legacy_tag =
      account.size() <= kMaxTag ? account : account.substr(0, 4) + base36_fixed(fnv1a(account), 8);
  return client_order_id.rfind("k" + legacy_tag + ".", 0) == 0;
}

}  // namespace keel
