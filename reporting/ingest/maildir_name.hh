// maildir_name.hh: the file names of a Maildir
// (https://cr.yp.to/proto/maildir.html): "UNIQUE" in new/, "UNIQUE:2,FLAGS"
// in cur/, where FLAGS are single letters in ASCII order (S seen, F flagged,
// R replied, T trashed, D draft, P passed).
//
// Pure string handling, no I/O: `dmarc-reports ingest --maildir` decides
// with these which messages it already handled and where a handled message
// goes. The names come from a directory that others write to, so nothing in
// them is trusted: a name with odd or no info is read as having no flags.
#pragma once

#include <string>
#include <string_view>

namespace dmarc
{
// The flags of a name in the "2," info form; "" when it has none (new/,
// experimental ":1," info, or no info at all).
std::string_view maildirFlags(std::string_view fileName);

// True when `flag` is among the name's flags.
bool maildirHasFlag(std::string_view fileName, char flag);

// The name the message gets in cur/: the unique part, ":2," and the union
// of its flags and `add`, in ASCII order, each once. Only the letters A-Z
// and a-z are kept (anything else in a flag list is dropped).
std::string maildirWithFlags(std::string_view fileName, std::string_view add);
} // namespace dmarc
