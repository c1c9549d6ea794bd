// dkim_body_hash.cc: streamed DKIM body canonicalisation and SHA-256
// (RFC 6376 §3.4.3, §3.4.4, §3.7). O(1) state whatever the body holds.
#include "lib/adapters/dkim/dkim_body_hash.hh"

#include <array>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <openssl/evp.h>

#include "lib/adapters/dkim/dkim_crypto.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
// Canonical bytes are hashed in blocks of this size.
constexpr std::size_t s_block = 16 * 1024;

// Bytes that need a decision, per canonicalisation: line ends always,
// white space in relaxed mode (a run of it becomes one SP, or nothing
// before a line end). Tables, because the scan runs over every body byte.
constexpr std::array<bool, 256> stopTable(bool relaxed)
{
  std::array<bool, 256> table{};
  table['\r'] = table['\n'] = true;
  table[' '] = table['\t'] = relaxed;
  return table;
}
constexpr std::array<bool, 256> s_simpleStops = stopTable(false);
constexpr std::array<bool, 256> s_relaxedStops = stopTable(true);

// The end of the run starting at p that canonicalisation leaves as it is:
// the first byte that needs a decision, where a single SP followed by an
// ordinary byte counts as ordinary in relaxed mode.
const char* unchangedRunScalar(const char* p, const char* end, bool relaxed)
{
  const auto& stops = relaxed ? s_relaxedStops : s_simpleStops;
  while (p < end) {
    while (p < end && !stops[static_cast<unsigned char>(*p)]) {
      ++p;
    }
    if (p + 1 < end && *p == ' ' && !stops[static_cast<unsigned char>(p[1])]) {
      p += 2;
      continue;
    }
    break;
  }
  return p;
}

// The same, 16 bytes at a time with SSE2 (every x86-64 has it): the body
// scan is the largest part of our own DKIM cost (tests/bench/dkim-bench).
// Here a CRLF followed by an ordinary byte (not CR or LF, nor white space
// in relaxed mode) counts as ordinary too: canonicalisation writes it as it
// is, and a line end per line would otherwise send every line through the
// byte-at-a-time path of update(). Each block is judged with vector
// operations and one mask, so that blocks do not wait on each other.
template <bool Relaxed>
const char* unchangedRunSse2(const char* p, const char* end)
{
#if defined(__SSE2__)
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i tab = _mm_set1_epi8('\t');
  const __m128i sp = _mm_set1_epi8(' ');
  // Bytes CR, LF and, in relaxed mode, SP and HTAB: what a line end or an
  // ordinary byte must not be followed by.
  auto special = [&](__m128i bytes) {
    __m128i out = _mm_or_si128(_mm_cmpeq_epi8(bytes, cr), _mm_cmpeq_epi8(bytes, lf));
    if constexpr (Relaxed) {
      out = _mm_or_si128(out, _mm_or_si128(_mm_cmpeq_epi8(bytes, tab), _mm_cmpeq_epi8(bytes, sp)));
    }
    return out;
  };
  // Byte 0 set when the last byte of the previous block was the CR of an
  // ordinary CRLF: its LF opens this block.
  __m128i carry = _mm_setzero_si128();
  // 18 bytes readable: the block and the two bytes after it.
  while (end - p >= 18) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
    const __m128i after = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 2));
    const __m128i isCr = _mm_cmpeq_epi8(block, cr);
    const __m128i isLf = _mm_cmpeq_epi8(block, lf);
    const __m128i crOk =
        _mm_andnot_si128(special(after), _mm_and_si128(isCr, _mm_cmpeq_epi8(next, lf)));
    const __m128i lfOk = _mm_and_si128(_mm_or_si128(_mm_slli_si128(crOk, 1), carry), isLf);
    __m128i stop = _mm_or_si128(_mm_andnot_si128(crOk, isCr), _mm_andnot_si128(lfOk, isLf));
    if constexpr (Relaxed) {
      // HTAB always (it becomes SP), SP when white space or a line end
      // follows (a run of it becomes one SP, or nothing before a line end).
      stop = _mm_or_si128(stop, _mm_cmpeq_epi8(block, tab));
      stop = _mm_or_si128(stop, _mm_and_si128(_mm_cmpeq_epi8(block, sp), special(next)));
    }
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(stop));
    if (mask != 0) {
      return p + __builtin_ctz(mask);
    }
    carry = _mm_srli_si128(crOk, 15);
    p += 16;
  }
  if ((_mm_movemask_epi8(carry) & 1) != 0) {
    ++p; // that LF; the byte after it is ordinary and within the chunk
  }
#endif
  return unchangedRunScalar(p, end, Relaxed);
}

#if defined(__x86_64__)
// The same with AVX2, 32 bytes at a time, where the processor has it (most
// x86-64 machines since 2013). The CRLF decision shifts by one byte across
// the two 128-bit lanes (permute, then alignr).
// CR, LF and, in relaxed mode, SP and HTAB (as special() below).
template <bool Relaxed>
__attribute__((target("avx2"))) inline __m256i special256(__m256i bytes)
{
  __m256i out = _mm256_or_si256(_mm256_cmpeq_epi8(bytes, _mm256_set1_epi8('\r')),
                                _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8('\n')));
  if constexpr (Relaxed) {
    out = _mm256_or_si256(out, _mm256_or_si256(_mm256_cmpeq_epi8(bytes, _mm256_set1_epi8('\t')),
                                               _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8(' '))));
  }
  return out;
}

template <bool Relaxed>
__attribute__((target("avx2"))) const char* unchangedRunAvx2(const char* p, const char* end)
{
  const __m256i cr = _mm256_set1_epi8('\r');
  const __m256i lf = _mm256_set1_epi8('\n');
  const __m256i tab = _mm256_set1_epi8('\t');
  const __m256i sp = _mm256_set1_epi8(' ');
  // The last byte of the previous block was the CR of an ordinary CRLF.
  unsigned carry = 0;
  // 34 bytes readable: the block and the two bytes after it.
  while (end - p >= 34) {
    const __m256i block = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i next = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 1));
    const __m256i after = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 2));
    const __m256i isCr = _mm256_cmpeq_epi8(block, cr);
    const __m256i isLf = _mm256_cmpeq_epi8(block, lf);
    const __m256i crOk = _mm256_andnot_si256(special256<Relaxed>(after),
                                             _mm256_and_si256(isCr, _mm256_cmpeq_epi8(next, lf)));
    const __m256i crOkBefore =
        _mm256_alignr_epi8(crOk, _mm256_permute2x128_si256(crOk, crOk, 0x08), 15);
    const __m256i lfOk = _mm256_and_si256(crOkBefore, isLf);
    __m256i stop =
        _mm256_or_si256(_mm256_andnot_si256(crOk, isCr), _mm256_andnot_si256(lfOk, isLf));
    if constexpr (Relaxed) {
      stop = _mm256_or_si256(stop, _mm256_cmpeq_epi8(block, tab));
      stop = _mm256_or_si256(
          stop, _mm256_and_si256(_mm256_cmpeq_epi8(block, sp), special256<Relaxed>(next)));
    }
    auto mask = static_cast<unsigned>(_mm256_movemask_epi8(stop));
    mask &= ~carry; // that LF, the second half of an ordinary CRLF
    if (mask != 0) {
      return p + __builtin_ctz(mask);
    }
    carry = static_cast<unsigned>(_mm256_movemask_epi8(crOk)) >> 31;
    p += 32;
  }
  if (carry != 0) {
    ++p; // that LF; the byte after it is ordinary and within the chunk
  }
  return unchangedRunSse2<Relaxed>(p, end);
}

const bool s_haveAvx2 = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") != 0;
}();
#endif

const char* unchangedRun(const char* p, const char* end, bool relaxed)
{
#if defined(__x86_64__)
  if (s_haveAvx2) {
    return relaxed ? unchangedRunAvx2<true>(p, end) : unchangedRunAvx2<false>(p, end);
  }
#endif
  return relaxed ? unchangedRunSse2<true>(p, end) : unchangedRunSse2<false>(p, end);
}
} // namespace

DkimBodyHash::DkimBodyHash(Canon canon, std::optional<std::uint64_t> limit)
    : d_canon(canon), d_limit(limit), d_ctx(EVP_MD_CTX_new())
{
  if (!d_ctx || EVP_DigestInit_ex(d_ctx.get(), dkimSha256(), nullptr) != 1) {
    throw Error("cannot start a SHA-256 hash");
  }
  d_out.reserve(s_block + 256);
}

void DkimBodyHash::flushOut()
{
  if (!d_out.empty()) {
    std::size_t size = d_out.size();
    if (d_limit && *d_limit - d_hashed < size) {
      size = static_cast<std::size_t>(*d_limit - d_hashed); // l= reached
    }
    EVP_DigestUpdate(d_ctx.get(), d_out.data(), size);
    d_hashed += size;
    d_out.clear();
  }
}

void DkimBodyHash::emit(std::string_view bytes)
{
  d_out.append(bytes);
  if (d_out.size() >= s_block) {
    flushOut();
  }
}

// Content on a line: the line ends held back were not trailing after all,
// and (relaxed) a run of white space before it becomes one SP.
void DkimBodyHash::content(char c)
{
  for (; d_pendingCrlf > 0; --d_pendingCrlf) {
    emit("\r\n");
  }
  if (d_pendingSpace) {
    d_out.push_back(' ');
    d_pendingSpace = false;
  }
  d_out.push_back(c);
  d_any = true;
}

// A line end: held back until content follows, so that empty lines at the
// end of the body are dropped (both canonicalisations). White space at the
// end of a line is dropped (relaxed).
void DkimBodyHash::lineEnd()
{
  d_pendingSpace = false;
  ++d_pendingCrlf;
}

void DkimBodyHash::update(std::string_view chunk)
{
  const bool relaxed = d_canon == Canon::Relaxed;
  const char* p = chunk.data();
  const char* const end = p + chunk.size();
  while (p < end) {
    if (!d_pendingCr && d_pendingCrlf == 0 && !d_pendingSpace) {
      // Fast path: the longest run that canonicalisation leaves as it is,
      // copied in one append. Most of a body is such runs; a single SP
      // between two ordinary bytes is one of them in relaxed mode too.
      // The run ends at a byte that needs a decision: straight on to it.
      const char* q = unchangedRun(p, end, relaxed);
      if (q != p) {
        d_out.append(p, static_cast<std::size_t>(q - p));
        d_any = true;
        if (d_out.size() >= s_block) {
          flushOut();
        }
        p = q;
        if (p == end) {
          break;
        }
      }
    }
    // Slow path: one byte that needs a decision, or the first after one.
    char c = *p++;
    if (d_pendingCr) {
      d_pendingCr = false;
      if (c == '\n') {
        lineEnd();
        continue;
      }
      content('\r'); // a bare CR is content
    }
    if (c == '\r') {
      d_pendingCr = true;
    } else if (c == '\n') {
      lineEnd(); // a bare LF ends a line, as with libopendkim's FIXCRLF
    } else if (relaxed && isSpaceOrTab(c)) {
      // A run of white space becomes one SP before content and nothing
      // before a line end: the run is skipped whole, and the content byte
      // after it taken here, rather than one turn of this loop per byte.
      d_pendingSpace = true;
      while (p < end && isSpaceOrTab(*p)) {
        ++p;
      }
      if (p < end && *p != '\r' && *p != '\n') {
        content(*p++);
      }
    } else {
      content(c);
    }
  }
}

std::string DkimBodyHash::finish()
{
  if (d_pendingCr) {
    d_pendingCr = false;
    content('\r');
  }
  // RFC 6376 §3.4.3: simple adds a CRLF to an empty body or one without a
  // final CRLF; §3.4.4: relaxed adds one only to a non-empty body.
  if (d_any || d_canon == Canon::Simple) {
    d_out.append("\r\n");
  }
  flushOut();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(d_ctx.get(), digest, &length) != 1) {
    throw Error("cannot finish a SHA-256 hash");
  }
  unsigned char encoded[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  int size = EVP_EncodeBlock(encoded, digest, static_cast<int>(length));
  return std::string(reinterpret_cast<const char*>(encoded), size > 0 ? size : 0);
}
} // namespace dmarc
