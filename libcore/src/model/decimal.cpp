#include "keel/model/decimal.h"

#include <ostream>

namespace keel {
namespace {

using i128 = __int128;
using u128 = unsigned __int128;

// Above this the accumulated significand cannot fit in 64-bit units at any scale without losing a
// non-zero digit, so parsing stops early instead of overflowing 128 bits.
constexpr u128 kSignificandLimit = static_cast<u128>(1'000'000'000'000'000'000ULL) * 1'000'000'000ULL;  // 1e27

constexpr std::int64_t kPow10[19] = {1,
                                     10,
                                     100,
                                     1000,
                                     10000,
                                     100000,
                                     1000000,
                                     10000000,
                                     100000000,
                                     1000000000,
                                     10000000000,
                                     100000000000,
                                     1000000000000,
                                     10000000000000,
                                     100000000000000,
                                     1000000000000000,
                                     10000000000000000,
                                     100000000000000000,
                                     1000000000000000000};

u128 pow10_u128(int n) {
  u128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

bool fits(i128 v) { return v >= Decimal::kMinUnits && v <= Decimal::kMaxUnits; }

// num / den rounded by the rule; den > 0.
i128 divide_rounded(i128 num, i128 den, Rounding rounding) {
  i128 q = num / den;  // truncates toward zero
  i128 r = num % den;
  if (r == 0) return q;
  const bool negative = num < 0;
  switch (rounding) {
    case Rounding::kDown: return q;
    case Rounding::kUp: return negative ? q - 1 : q + 1;
    case Rounding::kFloor: return negative ? q - 1 : q;
    case Rounding::kCeiling: return negative ? q : q + 1;
    case Rounding::kNearest: {
      i128 twice = (r < 0 ? -r : r) * 2;
      if (twice >= den) return negative ? q - 1 : q + 1;
      return q;
    }
  }
  return q;
}

Status parse_error(std::string_view text, const char* why) {
  std::string shown(text.substr(0, 64));
  if (text.size() > 64) shown += "...";
  return Status::InvalidInput("invalid decimal '" + shown + "': " + why);
}

}  // namespace

const char* to_string(Rounding rounding) {
  switch (rounding) {
    case Rounding::kDown: return "down";
    case Rounding::kUp: return "up";
    case Rounding::kFloor: return "floor";
    case Rounding::kCeiling: return "ceiling";
    case Rounding::kNearest: return "nearest";
  }
  return "?";
}

Result<Decimal> Decimal::Parse(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  if (n == 0) return parse_error(text, "empty");
  bool negative = false;
  if (text[i] == '+' || text[i] == '-') {
    negative = text[i] == '-';
    ++i;
  }
  u128 significand = 0;
  int pending_zeros = 0;  // zeros seen after the last non-zero digit, not yet multiplied in
  int exponent = 0;       // value = significand * 10^(pending_zeros + exponent)
  int digits = 0;
  bool seen_point = false;
  for (; i < n; ++i) {
    const char c = text[i];
    if (c == '.') {
      if (seen_point) return parse_error(text, "two decimal points");
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') break;
    ++digits;
    if (seen_point) --exponent;
    if (c == '0') {
      if (significand != 0) ++pending_zeros;
      continue;
    }
    for (; pending_zeros > 0; --pending_zeros) {
      if (significand >= kSignificandLimit) return parse_error(text, "too many significant digits");
      significand *= 10;
    }
    if (significand >= kSignificandLimit) return parse_error(text, "too many significant digits");
    significand = significand * 10 + static_cast<unsigned>(c - '0');
  }
  if (digits == 0) return parse_error(text, "expected digits");
  if (i < n) {
    if (text[i] != 'e' && text[i] != 'E') return parse_error(text, "unexpected character");
    ++i;
    bool exp_negative = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) {
      exp_negative = text[i] == '-';
      ++i;
    }
    if (i == n) return parse_error(text, "exponent without digits");
    int e = 0;
    for (; i < n; ++i) {
      const char c = text[i];
      if (c < '0' || c > '9') return parse_error(text, "unexpected character in exponent");
      if (e > 10000) return parse_error(text, "exponent out of range");
      e = e * 10 + (c - '0');
    }
    exponent += exp_negative ? -e : e;
  }
  if (significand == 0) return Decimal();

  const int power = pending_zeros + exponent + kScale;  // units = significand * 10^power
  u128 units = significand;
  if (power >= 0) {
    for (int p = 0; p < power; ++p) {
      if (units > static_cast<u128>(kMaxUnits)) return parse_error(text, "out of range");
      units *= 10;
    }
  } else {
    if (-power > 30) return parse_error(text, "more than 8 fractional digits");
    const u128 divisor = pow10_u128(-power);
    if (units % divisor != 0) return parse_error(text, "more than 8 fractional digits");
    units /= divisor;
  }
  if (units > static_cast<u128>(kMaxUnits)) return parse_error(text, "out of range");
  const auto value = static_cast<std::int64_t>(units);
  return Decimal(negative ? -value : value);
}

Result<Decimal> Decimal::FromUnits(std::int64_t units) {
  if (units < kMinUnits) return Status::InvalidInput("decimal units out of range");
  return Decimal(units);
}

Result<Decimal> Decimal::FromInteger(std::int64_t value) {
  const i128 units = static_cast<i128>(value) * kUnitsPerOne;
  if (!fits(units)) return Status::InvalidInput("integer " + std::to_string(value) + " out of decimal range");
  return Decimal(static_cast<std::int64_t>(units));
}

int Decimal::fractional_digits() const {
  std::int64_t frac = (units_ < 0 ? -units_ : units_) % kUnitsPerOne;
  if (frac == 0) return 0;
  int digits = kScale;
  while (frac % 10 == 0) {
    frac /= 10;
    --digits;
  }
  return digits;
}

std::string Decimal::Format(int min_fraction_digits) const {
  if (min_fraction_digits < 0) min_fraction_digits = 0;
  if (min_fraction_digits > kScale) min_fraction_digits = kScale;
  const std::uint64_t magnitude = units_ < 0 ? static_cast<std::uint64_t>(-units_) : static_cast<std::uint64_t>(units_);
  const std::uint64_t integer = magnitude / kUnitsPerOne;
  std::uint64_t frac = magnitude % kUnitsPerOne;

  char buf[48];
  int pos = sizeof(buf);
  int frac_digits = fractional_digits();
  if (frac_digits < min_fraction_digits) frac_digits = min_fraction_digits;
  if (frac_digits > 0) {
    frac /= static_cast<std::uint64_t>(kPow10[kScale - frac_digits]);
    for (int d = 0; d < frac_digits; ++d) {
      buf[--pos] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    buf[--pos] = '.';
  }
  std::uint64_t v = integer;
  do {
    buf[--pos] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  if (units_ < 0) buf[--pos] = '-';
  return std::string(buf + pos, sizeof(buf) - static_cast<std::size_t>(pos));
}

std::string Decimal::ToString() const { return Format(0); }

Result<Decimal> Decimal::Add(Decimal other) const {
  const i128 r = static_cast<i128>(units_) + other.units_;
  if (!fits(r)) return Status::InvalidInput("decimal overflow in " + ToString() + " + " + other.ToString());
  return Decimal(static_cast<std::int64_t>(r));
}

Result<Decimal> Decimal::Sub(Decimal other) const {
  const i128 r = static_cast<i128>(units_) - other.units_;
  if (!fits(r)) return Status::InvalidInput("decimal overflow in " + ToString() + " - " + other.ToString());
  return Decimal(static_cast<std::int64_t>(r));
}

Result<Decimal> Decimal::Mul(Decimal other, Rounding rounding) const {
  const i128 product = static_cast<i128>(units_) * other.units_;  // |product| < 2^126
  const i128 r = divide_rounded(product, kUnitsPerOne, rounding);
  if (!fits(r)) return Status::InvalidInput("decimal overflow in " + ToString() + " * " + other.ToString());
  return Decimal(static_cast<std::int64_t>(r));
}

Result<Decimal> Decimal::Div(Decimal other, Rounding rounding) const {
  if (other.units_ == 0) return Status::InvalidInput("division of " + ToString() + " by zero");
  i128 num = static_cast<i128>(units_) * kUnitsPerOne;
  i128 den = other.units_;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  const i128 r = divide_rounded(num, den, rounding);
  if (!fits(r)) return Status::InvalidInput("decimal overflow in " + ToString() + " / " + other.ToString());
  return Decimal(static_cast<std::int64_t>(r));
}

Result<Decimal> Decimal::RoundTo(Decimal increment, Rounding rounding) const {
  if (increment.units_ <= 0) {
    return Status::InvalidInput("rounding increment must be positive, got " + increment.ToString());
  }
  const i128 r = divide_rounded(units_, increment.units_, rounding) * increment.units_;
  if (!fits(r)) {
    return Status::InvalidInput("decimal overflow rounding " + ToString() + " to " + increment.ToString());
  }
  return Decimal(static_cast<std::int64_t>(r));
}

bool Decimal::IsMultipleOf(Decimal increment) const {
  return increment.units_ > 0 && units_ % increment.units_ == 0;
}

std::ostream& operator<<(std::ostream& os, Decimal d) { return os << d.ToString(); }

}  // namespace keel
