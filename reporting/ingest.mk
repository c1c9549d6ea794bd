# reporting/ingest.mk: report ingestion, summaries and posture checks (dmarc-reports ingest/summary/check). Included by Makefile.am.
