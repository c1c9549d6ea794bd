// message_record_codec.cc: a versioned, length-prefixed binary encoding of
// MessageRecord (little-endian integers, u32-length strings, u32-count
// lists, u8 enums). Adding a field means a new format version that still
// decodes the old one, because a spool may outlive an upgrade.
// Pure: no I/O.
#include "lib/core/message_record_codec.hh"

#include <cstdint>

namespace dmarc
{
namespace
{
// Version 2 added the ARC facts, version 3 the failure sample (both after
// the DKIM signatures). A spool written by an older build may still hold
// version 1 or 2 records, which decode without what they lack.
constexpr std::uint8_t s_formatVersion = 3;
constexpr std::uint8_t s_oldestFormatVersion = 1;

class Encoder
{
public:
  void u8(std::uint8_t value) { d_out.push_back(static_cast<char>(value)); }
  void u32(std::uint32_t value)
  {
    for (int i = 0; i < 4; ++i) {
      u8(static_cast<std::uint8_t>(value >> (8 * i)));
    }
  }
  void u64(std::uint64_t value)
  {
    for (int i = 0; i < 8; ++i) {
      u8(static_cast<std::uint8_t>(value >> (8 * i)));
    }
  }
  void boolean(bool value) { u8(value ? 1 : 0); }
  void str(const std::string& value)
  {
    u32(static_cast<std::uint32_t>(value.size()));
    d_out.append(value);
  }
  void strs(const std::vector<std::string>& values)
  {
    u32(static_cast<std::uint32_t>(values.size()));
    for (const auto& value : values) {
      str(value);
    }
  }
  template <typename E>
  void enumeration(E value)
  {
    u8(static_cast<std::uint8_t>(value));
  }
  std::string take() { return std::move(d_out); }

private:
  std::string d_out;
};

class Decoder
{
public:
  explicit Decoder(std::string_view in) : d_in(in) {}

  bool ok() const { return d_ok; }
  bool atEnd() const { return d_in.empty(); }

  std::uint8_t u8()
  {
    if (!need(1)) {
      return 0;
    }
    auto value = static_cast<std::uint8_t>(d_in[0]);
    d_in.remove_prefix(1);
    return value;
  }
  std::uint32_t u32()
  {
    std::uint32_t value = 0;
    if (!need(4)) {
      return 0;
    }
    for (int i = 0; i < 4; ++i) {
      value |= std::uint32_t{static_cast<std::uint8_t>(d_in[i])} << (8 * i);
    }
    d_in.remove_prefix(4);
    return value;
  }
  std::uint64_t u64()
  {
    std::uint64_t value = 0;
    if (!need(8)) {
      return 0;
    }
    for (int i = 0; i < 8; ++i) {
      value |= std::uint64_t{static_cast<std::uint8_t>(d_in[i])} << (8 * i);
    }
    d_in.remove_prefix(8);
    return value;
  }
  bool boolean()
  {
    auto value = u8();
    if (value > 1) {
      d_ok = false;
    }
    return value == 1;
  }
  std::string str()
  {
    auto size = u32();
    if (!need(size)) {
      return {};
    }
    std::string value(d_in.substr(0, size));
    d_in.remove_prefix(size);
    return value;
  }
  std::size_t count()
  {
    auto items = u32();
    // Each item takes at least 4 bytes, so a count the rest cannot hold is
    // damage, not a reason to allocate.
    if (items > s_maxRecordListItems || items > d_in.size() / 4) {
      d_ok = false;
      return 0;
    }
    return items;
  }
  std::vector<std::string> strs()
  {
    std::vector<std::string> values;
    auto items = count();
    values.reserve(items);
    for (std::size_t i = 0; i < items && d_ok; ++i) {
      values.push_back(str());
    }
    return values;
  }
  // An enum stored as u8 whose largest value is Last.
  template <typename E, E Last>
  E enumeration()
  {
    auto value = u8();
    if (value > static_cast<std::uint8_t>(Last)) {
      d_ok = false;
      return E{};
    }
    return static_cast<E>(value);
  }

private:
  bool need(std::size_t bytes)
  {
    if (!d_ok || d_in.size() < bytes) {
      d_ok = false;
      return false;
    }
    return true;
  }

  std::string_view d_in;
  bool d_ok = true;
};

void encodeSpf(Encoder& out, const SpfOutcome& spf)
{
  out.enumeration(spf.result);
  out.enumeration(spf.scope);
  out.str(spf.domain);
  out.str(spf.explanation);
}

SpfOutcome decodeSpf(Decoder& in)
{
  SpfOutcome spf;
  spf.result = in.enumeration<SpfResult, SpfResult::Permerror>();
  spf.scope = in.enumeration<SpfScope, SpfScope::Helo>();
  spf.domain = in.str();
  spf.explanation = in.str();
  return spf;
}

void encodePolicy(Encoder& out, const PublishedPolicy& policy)
{
  out.str(policy.domain);
  out.str(policy.record);
  out.enumeration(policy.p);
  out.boolean(policy.sp.has_value());
  out.enumeration(policy.sp.value_or(Policy::None));
  out.boolean(policy.np.has_value());
  out.enumeration(policy.np.value_or(Policy::None));
  out.enumeration(policy.adkim);
  out.enumeration(policy.aspf);
  out.str(policy.fo);
  out.u32(policy.pct);
  out.boolean(policy.testing);
  out.enumeration(policy.psd);
  out.strs(policy.rua);
  out.strs(policy.ruf);
}

void encodeFailure(Encoder& out, const std::optional<FailureSample>& failure)
{
  out.boolean(failure.has_value());
  if (failure) {
    out.str(failure->mailFrom);
    out.strs(failure->rcptTo);
    out.str(failure->headers);
    out.boolean(failure->headersTruncated);
  }
}

std::optional<FailureSample> decodeFailure(Decoder& in)
{
  if (!in.boolean()) {
    return std::nullopt;
  }
  FailureSample failure;
  failure.mailFrom = in.str();
  failure.rcptTo = in.strs();
  failure.headers = in.str();
  failure.headersTruncated = in.boolean();
  return failure;
}

std::vector<DkimSignatureOutcome> decodeSignatures(Decoder& in)
{
  std::vector<DkimSignatureOutcome> signatures;
  auto count = in.count();
  for (std::size_t i = 0; i < count && in.ok(); ++i) {
    DkimSignatureOutcome signature;
    signature.result = in.enumeration<DkimResult, DkimResult::Permerror>();
    signature.domain = in.str();
    signature.selector = in.str();
    signature.algorithm = in.str();
    signature.bPrefix = in.str();
    signature.identity = in.str();
    signature.humanResult = in.str();
    signature.keyBits = in.u32();
    signatures.push_back(std::move(signature));
  }
  return signatures;
}

void encodeArc(Encoder& out, const MessageRecord& record)
{
  out.enumeration(record.arcResult);
  out.strs(record.arcSealers);
  out.str(record.arcTrustedSealer);
  out.str(record.overrideComment);
}

void decodeArc(Decoder& in, MessageRecord& record)
{
  record.arcResult = in.enumeration<ArcResult, ArcResult::TempError>();
  record.arcSealers = in.strs();
  record.arcTrustedSealer = in.str();
  record.overrideComment = in.str();
}

PublishedPolicy decodePolicy(Decoder& in)
{
  PublishedPolicy policy;
  policy.domain = in.str();
  policy.record = in.str();
  policy.p = in.enumeration<Policy, Policy::Reject>();
  bool hasSp = in.boolean();
  auto sp = in.enumeration<Policy, Policy::Reject>();
  if (hasSp) {
    policy.sp = sp;
  }
  bool hasNp = in.boolean();
  auto np = in.enumeration<Policy, Policy::Reject>();
  if (hasNp) {
    policy.np = np;
  }
  policy.adkim = in.enumeration<AlignmentMode, AlignmentMode::Strict>();
  policy.aspf = in.enumeration<AlignmentMode, AlignmentMode::Strict>();
  policy.fo = in.str();
  policy.pct = in.u32();
  policy.testing = in.boolean();
  policy.psd = in.enumeration<PsdFlag, PsdFlag::No>();
  policy.rua = in.strs();
  policy.ruf = in.strs();
  return policy;
}
} // namespace

std::string encodeMessageRecord(const MessageRecord& record)
{
  Encoder out;
  out.u8(s_formatVersion);
  out.str(record.messageKey);
  out.u64(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(record.receivedAt.time_since_epoch())
          .count()));
  out.str(record.reportingHost);
  out.str(record.queueId);
  out.str(record.clientIp);
  out.str(record.helo);
  out.str(record.mailFromDomain);
  out.strs(record.rcptDomains);
  out.boolean(record.tls.has_value());
  if (record.tls) {
    out.str(record.tls->version);
    out.str(record.tls->cipher);
    out.u32(record.tls->bits);
    out.str(record.tls->verify);
    out.str(record.tls->certSubject);
    out.str(record.tls->certIssuer);
  }

  const Verdict& verdict = record.verdict;
  out.str(verdict.fromDomain);
  out.strs(verdict.fromDomains);
  out.enumeration(verdict.result);
  out.str(verdict.reason);
  out.boolean(verdict.dkimAligned);
  out.boolean(verdict.spfAligned);
  out.boolean(verdict.policy.has_value());
  if (verdict.policy) {
    encodePolicy(out, *verdict.policy);
  }
  out.str(verdict.orgDomain);
  out.enumeration(verdict.discoveryMethod);
  out.enumeration(verdict.policyTag);
  out.boolean(verdict.authorDomainExists);
  out.enumeration(verdict.effectivePolicy);
  out.enumeration(verdict.requested);
  out.enumeration(verdict.applied);
  out.u32(static_cast<std::uint32_t>(verdict.overrides.size()));
  for (const auto& override : verdict.overrides) {
    out.enumeration(override.reason);
    out.str(override.comment);
  }
  encodeSpf(out, verdict.spf);
  out.boolean(verdict.spfHelo.has_value());
  if (verdict.spfHelo) {
    encodeSpf(out, *verdict.spfHelo);
  }
  out.u32(static_cast<std::uint32_t>(verdict.dkim.size()));
  for (const auto& signature : verdict.dkim) {
    out.enumeration(signature.result);
    out.str(signature.domain);
    out.str(signature.selector);
    out.str(signature.algorithm);
    out.str(signature.bPrefix);
    out.str(signature.identity);
    out.str(signature.humanResult);
    out.u32(signature.keyBits);
  }
  encodeArc(out, record);
  encodeFailure(out, record.failure);
  return out.take();
}

std::optional<MessageRecord> decodeMessageRecord(std::string_view bytes)
{
  if (bytes.size() > s_maxEncodedRecordBytes) {
    return std::nullopt;
  }
  Decoder in(bytes);
  const std::uint8_t version = in.u8();
  if (version < s_oldestFormatVersion || version > s_formatVersion) {
    return std::nullopt;
  }
  MessageRecord record;
  record.messageKey = in.str();
  // A corrupt value must not overflow the conversion to the clock's own
  // (nanosecond) duration: such a record is rejected, not wrapped.
  const std::uint64_t receivedMicros = in.u64();
  constexpr auto s_maxMicros =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::duration::max())
                                     .count());
  if (receivedMicros > s_maxMicros) {
    return std::nullopt;
  }
  record.receivedAt = std::chrono::system_clock::time_point(
      std::chrono::microseconds(static_cast<std::int64_t>(receivedMicros)));
  record.reportingHost = in.str();
  record.queueId = in.str();
  record.clientIp = in.str();
  record.helo = in.str();
  record.mailFromDomain = in.str();
  record.rcptDomains = in.strs();
  if (in.boolean()) {
    TlsFacts tls;
    tls.version = in.str();
    tls.cipher = in.str();
    tls.bits = in.u32();
    tls.verify = in.str();
    tls.certSubject = in.str();
    tls.certIssuer = in.str();
    record.tls = std::move(tls);
  }

  Verdict& verdict = record.verdict;
  verdict.fromDomain = in.str();
  verdict.fromDomains = in.strs();
  verdict.result = in.enumeration<DmarcResult, DmarcResult::Permerror>();
  verdict.reason = in.str();
  verdict.dkimAligned = in.boolean();
  verdict.spfAligned = in.boolean();
  if (in.boolean()) {
    verdict.policy = decodePolicy(in);
  }
  verdict.orgDomain = in.str();
  verdict.discoveryMethod = in.enumeration<DiscoveryMethod, DiscoveryMethod::TreeWalk>();
  verdict.policyTag = in.enumeration<PolicyTag, PolicyTag::Np>();
  verdict.authorDomainExists = in.boolean();
  verdict.effectivePolicy = in.enumeration<Policy, Policy::Reject>();
  verdict.requested = in.enumeration<Disposition, Disposition::Tempfail>();
  verdict.applied = in.enumeration<Disposition, Disposition::Tempfail>();
  auto overrides = in.count();
  for (std::size_t i = 0; i < overrides && in.ok(); ++i) {
    Override override;
    override.reason = in.enumeration<OverrideReason, OverrideReason::SampledOut>();
    override.comment = in.str();
    verdict.overrides.push_back(std::move(override));
  }
  verdict.spf = decodeSpf(in);
  if (in.boolean()) {
    verdict.spfHelo = decodeSpf(in);
  }
  verdict.dkim = decodeSignatures(in);
  if (version >= 2) {
    decodeArc(in, record);
  }
  if (version >= 3) {
    record.failure = decodeFailure(in);
  }
  if (!in.ok() || !in.atEnd()) {
    return std::nullopt;
  }
  return record;
}
} // namespace dmarc
