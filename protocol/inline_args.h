// Splitting of inline requests ("SET k v\r\n" typed into telnet) into arguments.
#pragma once

#include <string_view>

#include "protocol/command_args.h"

namespace tessera::protocol {

// Appends the arguments of one inline line (without its line terminator) to *out, splitting
// exactly as Redis's sdssplitargs does: blanks separate arguments; "double quotes" take the
// escapes \n \r \t \b \a \xHH and \<any>; 'single quotes' take only \'; a closing quote must be
// followed by a blank or the end. The line is read as a C string, so a NUL byte ends it.
// Returns false on unbalanced quotes (Redis's "unbalanced quotes in request").
bool SplitInlineArgs(std::string_view line, CommandArgs* out);

}  // namespace tessera::protocol
