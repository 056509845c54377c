#pragma once
// Fixed-point decimal for prices and quantities: value = units / 10^8, units in a signed 64-bit
// integer (|value| < 92,233,720,368.54775807). Intermediates use 128 bits; any result that does not
// fit is reported as an error, never wrapped. Parsing is exact: an input with a non-zero digit past
// the 8th fractional place is refused rather than silently rounded.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

#include "keel/model/status.h"

namespace keel {

enum class Rounding {
  kDown,     // toward zero
  kUp,       // away from zero
  kFloor,    // toward negative infinity
  kCeiling,  // toward positive infinity
  kNearest,  // to the nearest; a tie goes away from zero
};

class Decimal {
 public:
  static constexpr int kScale = 8;
  static constexpr std::int64_t kUnitsPerOne = 100'000'000;
  // INT64_MIN is excluded so that negation and abs() can never overflow.
  static constexpr std::int64_t kMaxUnits = INT64_MAX;
  static constexpr std::int64_t kMinUnits = -INT64_MAX;

  constexpr Decimal() = default;  // zero

  // Accepts what exchanges send: "25000.1", "0.00100000", "-1.5", "1E-8", "1.5e+3", ".5", "5.".
  // Refuses empty input, whitespace, "NaN", "Infinity", lost precision and overflow.
  static Result<Decimal> Parse(std::string_view text);
  // Units of 10^-8; an out-of-range value (INT64_MIN) is an error.
  static Result<Decimal> FromUnits(std::int64_t units);
  static Result<Decimal> FromInteger(std::int64_t value);

  std::int64_t units() const { return units_; }
  int sign() const { return units_ > 0 ? 1 : (units_ < 0 ? -1 : 0); }
  bool is_zero() const { return units_ == 0; }
  bool is_positive() const { return units_ > 0; }
  bool is_negative() const { return units_ < 0; }
  Decimal abs() const { return Decimal(units_ < 0 ? -units_ : units_); }
  Decimal negated() const { return Decimal(-units_); }

  // Number of significant fractional digits (0 for "25000", 1 for "25000.1", 8 for "1E-8").
  int fractional_digits() const;

  // Shortest exact text: "25000.1", "0.001", "-3", "0". Never an exponent, never trailing zeros.
  std::string ToString() const;
  // At least min_fraction_digits fractional digits (padded with zeros), more if the value needs
  // them: formatting never loses precision. Format(2) of 1.5 is "1.50".
  std::string Format(int min_fraction_digits) const;

  Result<Decimal> Add(Decimal other) const;
  Result<Decimal> Sub(Decimal other) const;
  // The exact product or quotient rounded to 8 fractional digits with the given rule.
  Result<Decimal> Mul(Decimal other, Rounding rounding) const;
  Result<Decimal> Div(Decimal other, Rounding rounding) const;

  // Rounds to a multiple of increment (a tick or step size, > 0).
  Result<Decimal> RoundTo(Decimal increment, Rounding rounding) const;
  // True when this is an exact multiple of increment (> 0); false for a non-positive increment.
  bool IsMultipleOf(Decimal increment) const;

  friend bool operator==(Decimal a, Decimal b) { return a.units_ == b.units_; }
  friend bool operator!=(Decimal a, Decimal b) { return a.units_ != b.units_; }
  friend bool operator<(Decimal a, Decimal b) { return a.units_ < b.units_; }
  friend bool operator<=(Decimal a, Decimal b) { return a.units_ <= b.units_; }
  friend bool operator>(Decimal a, Decimal b) { return a.units_ > b.units_; }
  friend bool operator>=(Decimal a, Decimal b) { return a.units_ >= b.units_; }

 private:
  constexpr explicit Decimal(std::int64_t units) : units_(units) {}
  std::int64_t units_ = 0;
};

std::ostream& operator<<(std::ostream& os, Decimal d);
const char* to_string(Rounding rounding);

}  // namespace keel

template <>
struct std::hash<keel::Decimal> {
  std::size_t operator()(keel::Decimal d) const noexcept { return std::hash<std::int64_t>()(d.units()); }
};
