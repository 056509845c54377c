#pragma once
// Text from outside keel (signal ids, spool file names, symbols, exchange messages) on its way
// into a log line: a newline in it would forge a line of its own in the journal, a NUL or an escape
// sequence would cut or repaint it. Control characters (C0, DEL, C1) and bytes that are not UTF-8
// come out as \xNN; everything else, Chinese symbol names included, as it is.

#include <string>
#include <string_view>

namespace keel {

std::string LogText(std::string_view text);

// Text keel prints for a person on a terminal (keel-ctl's status and watch, a forwarded tool's
// output): as LogText, but its own line breaks kept. An escape sequence in an id would otherwise
// repaint the operator's screen or retitle the window.
std::string TerminalText(std::string_view text);

}  // namespace keel
