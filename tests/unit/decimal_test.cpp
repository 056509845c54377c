#include <doctest/doctest.h>

#include <random>

#include "keel/model/decimal.h"

using keel::Decimal;
using keel::Rounding;

namespace {
Decimal D(const char* t) {
  auto r = Decimal::Parse(t);
  REQUIRE_MESSAGE(r.ok(), t);
  return *r;
}
std::string canon(const char* t) { return D(t).ToString(); }
}  // namespace

TEST_CASE("Decimal parses exchange strings exactly and prints them without noise") {
  CHECK(canon("0.00100000") == "0.001");
  CHECK(canon("25000.1") == "25000.1");
  CHECK(canon("1E-8") == "0.00000001");
  CHECK(canon("1e-8") == "0.00000001");
  CHECK(canon("1.5e+3") == "1500");
  CHECK(canon("2E3") == "2000");
  CHECK(canon("-0.5") == "-0.5");
  CHECK(canon("+7") == "7");
  CHECK(canon("-0") == "0");
  CHECK(canon("0") == "0");
  CHECK(canon(".5") == "0.5");
  CHECK(canon("5.") == "5");
  CHECK(canon("000123.4500") == "123.45");
  CHECK(canon("0.000000010") == "0.00000001");  // a zero past the 8th place loses nothing
  CHECK(canon("12345678901e-8") == "123.45678901");
  CHECK(canon("1.000000000000000000000000000000") == "1");
  CHECK(canon("92233720368.54775807") == "92233720368.54775807");
  CHECK(canon("-92233720368.54775807") == "-92233720368.54775807");
  CHECK(D("0.00100000").units() == 100000);
  CHECK(D("0.001") == D("1E-3"));
}

TEST_CASE("Decimal refuses malformed, imprecise and out-of-range input") {
  for (const char* bad : {"", "-", "+", ".", "abc", "1..2", "1.2.3", "1e", "1e+", "e5", "NaN", "nan", "Infinity",
                          "inf", " 1", "1 ", "1,5", "0x10", "--1", "1e5.5", "١"}) {
    auto r = Decimal::Parse(bad);
    CHECK_MESSAGE(!r.ok(), bad);
    if (!r.ok()) CHECK(r.status().IsInvalidInput());
  }
  // Precision the type cannot hold is refused, never rounded.
  CHECK(Decimal::Parse("0.000000001").status().message() ==
        "invalid decimal '0.000000001': more than 8 fractional digits");
  CHECK(!Decimal::Parse("1e-9").ok());
  CHECK(!Decimal::Parse("1.123456789").ok());
  // Overflow is reported.
  CHECK(Decimal::Parse("92233720368.54775808").status().message() == "invalid decimal '92233720368.54775808': out of range");
  CHECK(!Decimal::Parse("1e20").ok());
  CHECK(!Decimal::Parse("100000000000").ok());
  CHECK(!Decimal::Parse("1e99999").ok());
  CHECK(!Decimal::Parse("123456789012345678901234567890123456789").ok());
  CHECK(Decimal::Parse("0e99999").ok());  // zero is zero at any exponent
}

TEST_CASE("Decimal round-trips randomized values through text") {
  std::mt19937_64 rng(20261121);
  for (int i = 0; i < 200000; ++i) {
    std::int64_t units = static_cast<std::int64_t>(rng());
    // Mix full-range values with short ones, as real prices and quantities are.
    switch (i % 4) {
      case 0: units %= 1000; break;
      case 1: units %= 100000000000LL; break;
      case 2: units = (units % 1000000) * 100000; break;
      default: break;
    }
    if (units == INT64_MIN) continue;
    const Decimal d = Decimal::FromUnits(units).value();
    const std::string text = d.ToString();
    auto back = Decimal::Parse(text);
    REQUIRE_MESSAGE(back.ok(), text);
    REQUIRE(back->units() == units);
    REQUIRE(back->ToString() == text);
    // The exponent form and the padded form read back to the same value.
    REQUIRE(Decimal::Parse(std::to_string(units) + "e-8")->units() == units);
    REQUIRE(Decimal::Parse(d.Format(8))->units() == units);
  }
}

TEST_CASE("Decimal formatting pads but never loses digits") {
  CHECK(D("1.5").Format(2) == "1.50");
  CHECK(D("1.555").Format(2) == "1.555");
  CHECK(D("-3").Format(3) == "-3.000");
  CHECK(D("0").Format(0) == "0");
  CHECK(D("0.00000001").Format(0) == "0.00000001");
  CHECK(D("25000.1").fractional_digits() == 1);
  CHECK(D("25000").fractional_digits() == 0);
  CHECK(D("1E-8").fractional_digits() == 8);
}

TEST_CASE("Decimal rounds to a tick or step in every mode") {
  struct Case {
    const char* value;
    const char* increment;
    Rounding mode;
    const char* expected;
  };
  const Case cases[] = {
      {"25000.15", "0.1", Rounding::kDown, "25000.1"},     {"25000.15", "0.1", Rounding::kUp, "25000.2"},
      {"25000.15", "0.1", Rounding::kNearest, "25000.2"},  {"25000.14", "0.1", Rounding::kNearest, "25000.1"},
      {"25000.1", "0.1", Rounding::kUp, "25000.1"},        {"0.0019", "0.001", Rounding::kDown, "0.001"},
      {"0.0019", "0.001", Rounding::kUp, "0.002"},         {"-0.0019", "0.001", Rounding::kDown, "-0.001"},
      {"-0.0019", "0.001", Rounding::kUp, "-0.002"},       {"-0.0019", "0.001", Rounding::kFloor, "-0.002"},
      {"-0.0019", "0.001", Rounding::kCeiling, "-0.001"},  {"0.0019", "0.001", Rounding::kFloor, "0.001"},
      {"0.0019", "0.001", Rounding::kCeiling, "0.002"},    {"-0.0015", "0.001", Rounding::kNearest, "-0.002"},
      {"0.0015", "0.001", Rounding::kNearest, "0.002"},    {"86.7", "1", Rounding::kDown, "86"},
      {"0.51215", "0.0001", Rounding::kNearest, "0.5122"}, {"7", "5", Rounding::kNearest, "5"},
      {"7.5", "5", Rounding::kNearest, "10"},              {"0", "0.1", Rounding::kUp, "0"},
  };
  for (const auto& c : cases) {
    auto r = D(c.value).RoundTo(D(c.increment), c.mode);
    REQUIRE(r.ok());
    CHECK_MESSAGE(r->ToString() == c.expected, c.value, " to ", c.increment, " ", keel::to_string(c.mode));
  }
  CHECK(!D("1").RoundTo(D("0"), Rounding::kDown).ok());
  CHECK(!D("1").RoundTo(D("-0.1"), Rounding::kDown).ok());
  CHECK(D("0.003").IsMultipleOf(D("0.001")));
  CHECK(!D("0.0035").IsMultipleOf(D("0.001")));
  CHECK(!D("1").IsMultipleOf(D("0")));
}

TEST_CASE("Decimal arithmetic is exact, rounds only where told and reports overflow") {
  const Decimal max = Decimal::FromUnits(Decimal::kMaxUnits).value();
  CHECK(D("0.1").Add(D("0.2"))->ToString() == "0.3");
  CHECK(D("1").Sub(D("1.00000001"))->ToString() == "-0.00000001");
  CHECK(D("96250.5").Mul(D("0.010"), Rounding::kDown)->ToString() == "962.505");
  CHECK(D("0.00000001").Mul(D("0.5"), Rounding::kDown)->ToString() == "0");
  CHECK(D("0.00000001").Mul(D("0.5"), Rounding::kUp)->ToString() == "0.00000001");
  CHECK(D("0.00000001").Mul(D("0.5"), Rounding::kNearest)->ToString() == "0.00000001");
  CHECK(D("1").Div(D("3"), Rounding::kDown)->ToString() == "0.33333333");
  CHECK(D("2").Div(D("3"), Rounding::kNearest)->ToString() == "0.66666667");
  CHECK(D("-1").Div(D("3"), Rounding::kFloor)->ToString() == "-0.33333334");
  CHECK(D("1").Div(D("-4"), Rounding::kDown)->ToString() == "-0.25");
  CHECK(D("1").Div(D("0"), Rounding::kDown).status().IsInvalidInput());

  CHECK(!max.Add(D("0.00000001")).ok());
  CHECK(!max.negated().Sub(D("0.00000001")).ok());
  CHECK(!max.Mul(D("1.00000001"), Rounding::kDown).ok());
  CHECK(!D("1000000").Mul(D("1000000"), Rounding::kDown).ok());
  CHECK(!max.Div(D("0.5"), Rounding::kDown).ok());
  CHECK(!max.RoundTo(D("10"), Rounding::kUp).ok());
  CHECK(max.negated().abs() == max);
  CHECK(!Decimal::FromUnits(INT64_MIN).ok());
  CHECK(!Decimal::FromInteger(100000000000LL).ok());
  CHECK(Decimal::FromInteger(-5)->ToString() == "-5");
}
