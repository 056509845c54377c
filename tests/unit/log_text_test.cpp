// What reaches the log from outside keel cannot forge or repaint a line (ids, file names, symbols).
#include <doctest/doctest.h>

#include "keel/model/log_text.h"

using namespace keel;

TEST_CASE("LogText: control characters and bytes that are not UTF-8 come out as \\xNN, the rest as it is") {
  CHECK(LogText("signal s-1 taken") == "signal s-1 taken");
  CHECK(LogText("币安人生USDT") == "币安人生USDT");
  CHECK(LogText("x\n2026-01-01 [info] forged") == "x\\x0a2026-01-01 [info] forged");
  CHECK(LogText(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(LogText("\r\t\x1b[31m\x7f") == "\\x0d\\x09\\x1b[31m\\x7f");
  CHECK(LogText("\xc2\x9b" "2J") == "\\xc2\\x9b2J");  // C1 CSI, well-formed UTF-8
  CHECK(LogText("ok\xff\xc3(") == "ok\\xff\\xc3(");   // a stray byte, a cut sequence
  CHECK(LogText("\xe6\x97") == "\\xe6\\x97");         // a character cut in two
}

TEST_CASE("TerminalText: escapes as LogText, keeps the text's own line breaks") {
  CHECK(TerminalText("trades:\n  s-1 protected\n") == "trades:\n  s-1 protected\n");
  CHECK(TerminalText("x\x1b]0;pwned\x07y\r\n") == "x\\x1b]0;pwned\\x07y\\x0d\n");
  CHECK(TerminalText("\xc2\x9b" "31m") == "\\xc2\\x9b31m");  // C1 CSI, as UTF-8
}
