// mime_walk.cc: the bounded MIME walk on GMime; see mime_walk.hh.
// Implementation notes: GMime builds the tree (its own nesting limit, 1024
// levels, keeps its recursion off the stack's end); the walk over that tree
// is iterative over a bounded work list, and each of our limits is checked
// before the leaf it protects is decoded. GMime reads the caller's buffer
// in place, and a leaf is decoded straight into its string.
#include "reporting/ingest/mime_walk.hh"

#include <climits>
#include <gmime/gmime.h>
#include <memory>
#include <mutex>

#include "lib/adapters/c_handles.hh"
#include "lib/core/ascii_text.hh"

namespace dmarc
{
namespace
{
using GObjectPtr = CHandle<void, &g_object_unref>;
using GMimeParserOptionsPtr = CHandle<GMimeParserOptions, &g_mime_parser_options_free>;
using GCharPtr = CHandle<char, &g_free>;

void initGMime()
{
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

// What GMime's parser noticed that the walk must refuse: nesting past its
// own limit, and a multipart whose parts cannot be told apart.
struct ParserFindings
{
  bool nestingOverflow = false;
  bool multipartWithoutBoundary = false;
};

void noteWarning(gint64 /*offset*/, GMimeParserWarning warning, const gchar* /*item*/,
                 gpointer data)
{
  auto* findings = static_cast<ParserFindings*>(data);
  if (warning == GMIME_CRIT_NESTING_OVERFLOW) {
    findings->nestingOverflow = true;
  } else if (warning == GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY) {
    findings->multipartWithoutBoundary = true;
  }
}

// A GMime memory stream over the caller's bytes, without a copy: the array
// wraps them, the stream does not own the array, and the destructor frees
// only the array's own record.
class BorrowedStream
{
public:
  explicit BorrowedStream(std::string_view bytes)
      : d_array(g_byte_array_new_take(reinterpret_cast<guint8*>(const_cast<char*>(bytes.data())),
                                      bytes.size())),
        d_stream(g_mime_stream_mem_new_with_byte_array(d_array))
  {
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(d_stream.get()), FALSE);
  }
  BorrowedStream(const BorrowedStream&) = delete;
  BorrowedStream& operator=(const BorrowedStream&) = delete;
  ~BorrowedStream()
  {
    d_stream.reset();
    g_byte_array_free(d_array, FALSE); // the bytes are the caller's
  }
  GMimeStream* get() const { return GMIME_STREAM(d_stream.get()); }

private:
  GByteArray* d_array;
  GObjectPtr d_stream;
};

// Checks the header fields of one entity against the limits (false with
// `error` set when over them) and, when `out` is given, copies them there:
// values unfolded and trimmed, not RFC 2047-decoded. Only the top-level
// fields are read by ingest, so only they are copied.
bool readHeaders(GMimeObject* object, const MimeLimits& limits, MimeHeaders* out,
                 std::string& error)
{
  GMimeHeaderList* list = g_mime_object_get_header_list(object);
  const int count = list != nullptr ? g_mime_header_list_get_count(list) : 0;
  if (static_cast<std::size_t>(count) > limits.maxHeaderFields) {
    error = "more than " + std::to_string(limits.maxHeaderFields) + " header fields";
    return false;
  }
  std::size_t bytes = 0;
  for (int i = 0; i < count; ++i) {
    GMimeHeader* header = g_mime_header_list_get_header_at(list, i);
    const char* name = g_mime_header_get_name(header);
    const char* raw = g_mime_header_get_raw_value(header);
    const std::string_view nameText = name != nullptr ? name : "";
    const std::string_view rawText = raw != nullptr ? raw : "";
    bytes += nameText.size() + rawText.size() + 1;
    if (out != nullptr) {
      const GCharPtr unfolded(g_mime_utils_header_unfold(rawText.data()));
      out->fields.emplace_back(nameText, trimSpace(unfolded.get()));
    }
    if (bytes > limits.maxHeaderBytes) {
      error = "header section larger than " + std::to_string(limits.maxHeaderBytes) + " bytes";
      return false;
    }
  }
  return true;
}

// The body of a leaf with its transfer encoding undone, read in pieces so
// that the decoded total stops at `budget` bytes; false when over it.
bool decodeBody(GMimePart* part, std::size_t budget, std::string& body)
{
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) {
    return true; // an empty part
  }
  GMimeStream* raw = g_mime_data_wrapper_get_stream(content);
  g_mime_stream_reset(raw);
  const GObjectPtr filtered(g_mime_stream_filter_new(raw));
  const GMimeContentEncoding encoding = g_mime_data_wrapper_get_encoding(content);
  if (encoding == GMIME_CONTENT_ENCODING_BASE64 ||
      encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
      encoding == GMIME_CONTENT_ENCODING_UUENCODE) {
    const GObjectPtr decoder(g_mime_filter_basic_new(encoding, FALSE));
    g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered.get()), GMIME_FILTER(decoder.get()));
  }
  // Uninitialised: the read fills what it reports.
  constexpr std::size_t s_chunk = 64U * 1024U;
  const auto chunk = std::make_unique_for_overwrite<char[]>(s_chunk);
  while (true) {
    const gssize got = g_mime_stream_read(GMIME_STREAM(filtered.get()), chunk.get(), s_chunk);
    if (got <= 0) {
      return true;
    }
    if (body.size() + static_cast<std::size_t>(got) > budget) {
      return false;
    }
    body.append(chunk.get(), static_cast<std::size_t>(got));
  }
}

// A part that is not a container: its lower-cased type, its file name
// (Content-Disposition filename, else Content-Type name, RFC 2231 decoded)
// and its decoded body.
bool decodedLeaf(GMimePart* part, std::size_t budget, MimeLeaf& leaf)
{
  const GCharPtr type(
      g_mime_content_type_get_mime_type(g_mime_object_get_content_type(GMIME_OBJECT(part))));
  leaf.mediaType = toLowerAscii(type ? type.get() : "text/plain");
  if (const char* name = g_mime_part_get_filename(part); name != nullptr) {
    leaf.filename = name;
  }
  return decodeBody(part, budget, leaf.body);
}

struct Pending
{
  GMimeObject* object;
  int depth;
};

// One step of the walk: a container's children onto the work list, or a
// leaf into the result. False with result.error set when over a bound.
bool visit(const Pending& current, const MimeLimits& limits, std::vector<Pending>& work,
           std::size_t& decodedTotal, MimeWalkResult& result)
{
  const auto deeper = [&]() {
    if (current.depth + 1 > limits.maxDepth) {
      result.error = "MIME nesting deeper than " + std::to_string(limits.maxDepth);
      return false;
    }
    return true;
  };
  if (!readHeaders(current.object, limits, nullptr, result.error)) {
    return false;
  }
  if (GMIME_IS_MULTIPART(current.object)) {
    GMimeMultipart* multipart = GMIME_MULTIPART(current.object);
    const int count = g_mime_multipart_get_count(multipart);
    if (!deeper()) {
      return false;
    }
    if (work.size() + static_cast<std::size_t>(count) > limits.maxParts) {
      result.error = "more than " + std::to_string(limits.maxParts) + " MIME parts";
      return false;
    }
    for (int i = count - 1; i >= 0; --i) { // reversed: the stack pops in document order
      work.push_back({g_mime_multipart_get_part(multipart, i), current.depth + 1});
    }
    return true;
  }
  if (GMIME_IS_MESSAGE_PART(current.object)) {
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(current.object));
    if (inner == nullptr) {
      return true;
    }
    if (!deeper()) {
      return false;
    }
    if (!readHeaders(GMIME_OBJECT(inner), limits, nullptr, result.error)) {
      return false;
    }
    if (GMimeObject* body = g_mime_message_get_mime_part(inner); body != nullptr) {
      work.push_back({body, current.depth + 1});
    }
    return true;
  }
  if (!GMIME_IS_PART(current.object)) {
    return true;
  }
  MimeLeaf leaf;
  if (!decodedLeaf(GMIME_PART(current.object), limits.maxDecodedBytes - decodedTotal, leaf)) {
    result.error = "decoded parts larger than " + std::to_string(limits.maxDecodedBytes) + " bytes";
    return false;
  }
  decodedTotal += leaf.body.size();
  result.leaves.push_back(std::move(leaf));
  return true;
}

// Whether GMime's parser found what the walk refuses; sets the error.
bool refusedByParser(const ParserFindings& findings, const MimeLimits& limits, std::string& error)
{
  if (findings.nestingOverflow) {
    error = "MIME nesting deeper than " + std::to_string(limits.maxDepth);
  } else if (findings.multipartWithoutBoundary) {
    error = "multipart entity without a usable boundary";
  }
  return !error.empty();
}
} // namespace

std::string MimeHeaders::get(std::string_view name) const
{
  for (const auto& [fieldName, value] : fields) {
    if (equalsIgnoreCase(fieldName, name)) {
      return value;
    }
  }
  return {};
}

MimeWalkResult walkMime(std::string_view message, const MimeLimits& limits)
{
  MimeWalkResult result;
  if (message.size() > UINT_MAX) {
    result.error = "message larger than 4 GiB";
    return result;
  }
  initGMime();
  ParserFindings findings;
  const GMimeParserOptionsPtr options(g_mime_parser_options_new());
  g_mime_parser_options_set_warning_callback(options.get(), &noteWarning, &findings);
  const BorrowedStream stream(message);
  const GObjectPtr parser(g_mime_parser_new_with_stream(stream.get()));
  const GObjectPtr parsed(
      g_mime_parser_construct_message(static_cast<GMimeParser*>(parser.get()), options.get()));
  if (!parsed) {
    result.error = "not a MIME message";
    return result;
  }
  GMimeMessage* top = GMIME_MESSAGE(parsed.get());
  if (refusedByParser(findings, limits, result.error) ||
      !readHeaders(GMIME_OBJECT(top), limits, &result.headers, result.error)) {
    return result;
  }
  std::vector<Pending> work;
  if (GMimeObject* body = g_mime_message_get_mime_part(top); body != nullptr) {
    work.push_back({body, 0});
  }
  std::size_t entities = 0;
  std::size_t decodedTotal = 0;
  while (!work.empty()) {
    const Pending current = work.back();
    work.pop_back();
    if (++entities > limits.maxParts) {
      result.error = "more than " + std::to_string(limits.maxParts) + " MIME parts";
      return result;
    }
    if (!visit(current, limits, work, decodedTotal, result)) {
      return result;
    }
  }
  result.ok = true;
  return result;
}
} // namespace dmarc
