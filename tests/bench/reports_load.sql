-- reports_load.sql: synthetic verdicts for the aggregate report benchmark.
-- psql -v rows=10000000 -v domains=1000 -v day="'2026-11-27'" -f reports_load.sql
-- Every row is a plausible message: one of `domains` policy domains, client
-- addresses from a pool per domain (IPv4 and IPv6), a mix of DMARC pass and
-- fail, forwarded mail with overrides, 0-2 DKIM signatures, SPF mfrom.
-- The variety gives a few hundred distinct report rows per domain, as a
-- busy receiver sees.
-- -v target=TABLE loads into TABLE (a day's table before it is attached
-- as verdict's partition: the bulk path of bench_capacity.py) instead of
-- verdict.
\if :{?target}
\else
\set target verdict
\endif
INSERT INTO reporting_host (name) VALUES ('bench.mx.example') ON CONFLICT DO NOTHING;

INSERT INTO :target (
  message_key, received_at, reporting_host, queue_id, client_ip, helo, mail_from_domain,
  rcpt_domains, from_domain, from_domains, dmarc_result, reason, dkim_aligned, spf_aligned,
  policy_domain, policy_record, policy_p, policy_sp, policy_np, policy_adkim, policy_aspf,
  policy_fo, policy_pct, policy_testing, policy_psd, policy_rua, policy_ruf,
  org_domain, discovery_method, policy_tag, author_domain_exists, effective_policy,
  disposition_requested, disposition_applied, override_reasons, override_comments,
  spf_domain, spf_scope, spf_result, spf_explanation, spf_helo_domain, spf_helo_result,
  dkim_domains, dkim_selectors, dkim_results, dkim_algorithms, dkim_human_results, dkim_key_bits)
SELECT
  gen_random_uuid(),
  (:day)::timestamptz + make_interval(secs => (g % 86400)),
  'bench.mx.example',
  'Q' || g,
  CASE WHEN d.ip % 7 = 0 THEN ('2001:db8::' || to_hex(d.ip))::inet
       ELSE ('198.51.' || (d.ip / 250) || '.' || (d.ip % 250 + 1))::inet END,
  'mx' || d.ip || '.sender.example',
  CASE WHEN d.fwd THEN 'list.example.org' ELSE 'bounce.' || d.dom END,
  ARRAY['rcpt.example'],
  d.dom, ARRAY[d.dom],
  (CASE WHEN d.pass THEN 'pass' ELSE 'fail' END)::dmarc_result,
  '', d.pass AND NOT d.fwd, d.pass,
  d.dom, 'v=DMARC1; p=reject; rua=mailto:dmarc@' || d.dom, 'reject', NULL, NULL, 'r', 'r',
  '0', 100, false, 'u', ARRAY['mailto:dmarc@' || d.dom], ARRAY[]::text[],
  d.dom, 'treewalk', 'p', true, 'reject',
  (CASE WHEN d.pass THEN 'pass' ELSE 'reject' END)::dmarc_disposition,
  (CASE WHEN d.pass THEN 'pass' WHEN d.fwd THEN 'none' ELSE 'reject' END)::dmarc_disposition,
  CASE WHEN NOT d.pass AND d.fwd THEN ARRAY['mailing_list']::dmarc_override_reason[]
       ELSE ARRAY[]::dmarc_override_reason[] END,
  CASE WHEN NOT d.pass AND d.fwd THEN ARRAY['list.example.org'] ELSE ARRAY[]::text[] END,
  CASE WHEN d.fwd THEN 'list.example.org' ELSE 'bounce.' || d.dom END, 'mfrom',
  (CASE WHEN d.pass THEN 'pass' WHEN d.fwd THEN 'softfail' ELSE 'fail' END)::spf_result, '',
  NULL, NULL,
  CASE WHEN d.sigs = 0 THEN ARRAY[]::text[]
       WHEN d.sigs = 1 THEN ARRAY[d.dom]
       ELSE ARRAY[d.dom, 'esp.example'] END,
  CASE WHEN d.sigs = 0 THEN ARRAY[]::text[]
       WHEN d.sigs = 1 THEN ARRAY['s1']
       ELSE ARRAY['s1', 'esp' || (d.ip % 3)] END,
  (CASE WHEN d.sigs = 0 THEN ARRAY[]::text[]
        WHEN d.sigs = 1 THEN ARRAY[CASE WHEN d.pass THEN 'pass' ELSE 'fail' END]
        ELSE ARRAY[CASE WHEN d.pass THEN 'pass' ELSE 'fail' END, 'pass'] END)::dkim_result[],
  CASE WHEN d.sigs = 0 THEN ARRAY[]::text[] WHEN d.sigs = 1 THEN ARRAY['rsa-sha256']
       ELSE ARRAY['rsa-sha256', 'ed25519-sha256'] END,
  CASE WHEN d.sigs = 0 THEN ARRAY[]::text[] WHEN d.sigs = 1 THEN ARRAY['']
       ELSE ARRAY['', ''] END,
  CASE WHEN d.sigs = 0 THEN ARRAY[]::integer[] WHEN d.sigs = 1 THEN ARRAY[2048]
       ELSE ARRAY[2048, 256] END
FROM generate_series(1, :rows) AS g,
LATERAL (SELECT 'd' || (g % :domains) || '.bench.example' AS dom,
                (g / :domains) % 200 AS ip,
                (g / :domains) % 10 < 8 AS pass,
                (g / :domains) % 13 = 0 AS fwd,
                ((g / :domains) % 3)::int AS sigs) AS d;
ANALYZE :target;
