// overview_page.hh: writing the overview page as one self-contained HTML
// document: inline style sheet and SVG charts, no script, no external
// resource (a Content-Security-Policy of default-src 'none' says so to the
// browser too), every chart followed by the table of its numbers.
//
// Pure: no I/O. Everything in the page model is escaped on the way out.
#pragma once

#include <string>

#include "reporting/overview/overview_model.hh"

namespace dmarc
{
std::string renderOverviewPage(const OverviewPage& page);
} // namespace dmarc
