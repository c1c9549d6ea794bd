// test-verdict_schema_cc.cc: the verdict table's enum spellings read back
// into every value they were written from, unknown text to the documented
// fallback; each column named once; the statements bind what they say.
#include <set>
#include <string>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/store/pg_verdict_sql.hh"
#include "lib/adapters/store/verdict_schema.hh"

namespace dmarc
{
BOOST_AUTO_TEST_SUITE(test_verdict_schema_cc)

BOOST_AUTO_TEST_CASE(every_enum_spelling_reads_back_into_its_value)
{
  for (auto value : {DmarcResult::None, DmarcResult::Pass, DmarcResult::Fail,
                     DmarcResult::Temperror, DmarcResult::Permerror}) {
    BOOST_TEST((dmarcResultFromSql(toString(value)) == value));
  }
  for (auto value : {Policy::None, Policy::Quarantine, Policy::Reject}) {
    BOOST_TEST((policyFromSql(toString(value)) == value));
  }
  for (auto value : {Disposition::None, Disposition::Pass, Disposition::Quarantine,
                     Disposition::Reject, Disposition::Tempfail}) {
    BOOST_TEST((dispositionFromSql(toString(value)) == value));
  }
  for (auto value :
       {OverrideReason::LocalPolicy, OverrideReason::MailingList, OverrideReason::TrustedForwarder,
        OverrideReason::PolicyTestMode, OverrideReason::Other, OverrideReason::Forwarded,
        OverrideReason::SampledOut}) {
    BOOST_TEST((overrideReasonFromSql(toString(value)) == value));
  }
  for (auto value : {AlignmentMode::Relaxed, AlignmentMode::Strict}) {
    BOOST_TEST((alignmentFromSql(toString(value)) == value));
  }
  for (auto value : {DiscoveryMethod::Psl, DiscoveryMethod::TreeWalk}) {
    BOOST_TEST((discoveryMethodFromSql(toString(value)) == value));
  }
  for (auto value : {SpfScope::Helo, SpfScope::Mfrom}) {
    BOOST_TEST((spfScopeFromSql(toString(value)) == value));
  }
}

BOOST_AUTO_TEST_CASE(unknown_text_reads_as_the_fallback)
{
  BOOST_TEST((dmarcResultFromSql("") == DmarcResult::None));
  BOOST_TEST((policyFromSql("") == Policy::None));
  BOOST_TEST((dispositionFromSql("bounce") == Disposition::None));
  BOOST_TEST((overrideReasonFromSql("whatever") == OverrideReason::Other));
  BOOST_TEST((alignmentFromSql("x") == AlignmentMode::Relaxed));
  BOOST_TEST((discoveryMethodFromSql("") == DiscoveryMethod::TreeWalk));
  BOOST_TEST((spfScopeFromSql("") == SpfScope::Mfrom));
}

BOOST_AUTO_TEST_CASE(each_column_is_named_once_and_written_by_the_insert)
{
  std::set<std::string> names;
  const std::string insert = verdictInsertSql();
  for (const auto& column : verdictColumns()) {
    BOOST_TEST(names.insert(std::string(column.name)).second);
    BOOST_TEST(insert.find(std::string(column.name)) != std::string::npos);
  }
  BOOST_TEST(verdictColumns().size() == verdictColumnCount());
}

BOOST_AUTO_TEST_CASE(the_statements_read_the_verdict_table_with_parameters)
{
  for (const std::string& sql :
       {std::string(verdictPolicyDomainsSql()), verdictLatestPoliciesSql(),
        std::string(verdictReportRowsCursorSql()), std::string(verdictFailureClaimSql())}) {
    BOOST_TEST(sql.find(" verdict") != std::string::npos);
    BOOST_TEST(sql.find("$1") != std::string::npos);
  }
  for (const std::string& sql :
       {std::string(verdictCountBeforeDaySql()), std::string(verdictDeleteBeforeDaySql())}) {
    BOOST_TEST(sql.find("$1::date") != std::string::npos);
  }
  for (const auto* sql :
       {&verdictTlsByDaySql(), &verdictTlsVersionsSql(), &verdictTlsCiphersSql(),
        &verdictTlsVerifySql(), &verdictCleartextSendersSql(), &verdictOverridesSql()}) {
    BOOST_TEST(sql->find(std::string("FROM verdict v")) != std::string::npos);
    BOOST_TEST(sql->find(verdictPeriodFilter()) != std::string::npos);
    BOOST_TEST(sql->find("$4::bigint") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
} // namespace dmarc
