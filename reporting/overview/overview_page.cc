// overview_page.cc: see overview_page.hh.
#include "reporting/overview/overview_page.hh"

#include "reporting/overview/html_writer.hh"

namespace dmarc
{
namespace
{
// The page's own constant style: system fonts, readable on a phone (charts
// scale to the width, wide tables scroll inside their box), the chart
// colours by class (a colour-blind-safe palette; pass green, fail red).
constexpr const char* s_style = R"(
:root{color-scheme:light;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--alt:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
header,main{max-width:1100px;margin:0 auto;padding:0 16px}
header{padding-top:16px;border-bottom:1px solid var(--line)}
h1{font-size:1.5em;margin:.2em 0}
h2{font-size:1.25em;margin:1.6em 0 .4em;padding-top:.4em;border-top:2px solid var(--line)}
h3{font-size:1.05em;margin:1.4em 0 .3em}
p{margin:.3em 0 .6em}
.meta,.note{color:var(--muted)}
nav ul{list-style:none;padding:0;margin:.4em 0 .8em;display:flex;flex-wrap:wrap;gap:.3em 1.2em}
a{color:#0550ae}
figure{margin:0 0 1.2em}
svg.chart{display:block;width:100%;height:auto;max-width:1000px}
svg.chart text{font-size:11px;fill:var(--muted)}
svg.chart text.end{text-anchor:end}
svg.chart text.middle{text-anchor:middle}
svg.chart line.grid{stroke:var(--line);stroke-width:1}
svg.chart path.line{fill:none;stroke-width:2}
.empty{padding:.8em;border:1px dashed var(--line);color:var(--muted)}
ul.legend{list-style:none;padding:0;margin:.2em 0;display:flex;flex-wrap:wrap;gap:.2em 1em;font-size:.9em}
.swatch{display:inline-block;width:.9em;height:.9em;margin-right:.35em;vertical-align:-.1em;border-radius:2px}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.88em;margin:.3em 0}
th,td{border:1px solid var(--line);padding:.2em .5em;text-align:left;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.text{white-space:pre-line;min-width:16em;max-width:40em}
tbody tr:nth-child(even){background:var(--alt)}
details summary{cursor:pointer;color:var(--muted)}
.palette-0{fill:#0072b2;stroke:#0072b2;background:#0072b2}
.palette-1{fill:#e69f00;stroke:#e69f00;background:#e69f00}
.palette-2{fill:#009e73;stroke:#009e73;background:#009e73}
.palette-3{fill:#cc79a7;stroke:#cc79a7;background:#cc79a7}
.palette-4{fill:#56b4e9;stroke:#56b4e9;background:#56b4e9}
.palette-5{fill:#d55e00;stroke:#d55e00;background:#d55e00}
.palette-6{fill:#7e6b3a;stroke:#7e6b3a;background:#7e6b3a}
.palette-7{fill:#332288;stroke:#332288;background:#332288}
.tone-good{fill:#1a7f37;stroke:#1a7f37;background:#1a7f37}
.tone-bad{fill:#cf222e;stroke:#cf222e;background:#cf222e}
.tone-warn{fill:#bf8700;stroke:#bf8700;background:#bf8700}
.tone-muted{fill:#8c959f;stroke:#8c959f;background:#8c959f}
@media (max-width:600px){body{font-size:14px}header,main{padding:0 8px}}
)";

bool looksNumeric(const std::string& cell)
{
  if (cell.empty() || cell.size() > 24) {
    return false;
  }
  for (const char c : cell) {
    if ((c < '0' || c > '9') && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

// Sentences (findings, advice) wrap and keep their line breaks; names and
// figures stay on one line.
bool isProse(const std::string& cell)
{
  return cell.size() > 60 || cell.find('\n') != std::string::npos;
}

void writeTable(HtmlWriter& out, const Table& table)
{
  if (table.rows.empty()) {
    out.element("p", {{"class", "empty"}}, table.emptyText);
    return;
  }
  out.open("div", {{"class", "table-wrap"}});
  out.open("table");
  out.open("thead");
  out.open("tr");
  for (const auto& column : table.columns) {
    out.element("th", {{"scope", "col"}}, column);
  }
  out.close("tr");
  out.close("thead");
  out.open("tbody");
  for (const auto& row : table.rows) {
    out.open("tr");
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i == 0) {
        out.element("th", {{"scope", "row"}}, row[i]);
      } else if (looksNumeric(row[i])) {
        out.element("td", {{"class", "num"}}, row[i]);
      } else if (isProse(row[i])) {
        out.element("td", {{"class", "text"}}, row[i]);
      } else {
        out.element("td", {}, row[i]);
      }
    }
    out.close("tr");
  }
  out.close("tbody");
  out.close("table");
  out.close("div");
}

void writeFigure(HtmlWriter& out, const Figure& figure)
{
  out.open("figure");
  out.element("h3", {}, figure.title);
  if (!figure.note.empty()) {
    out.element("p", {{"class", "note"}}, figure.note);
  }
  if (figure.chart) {
    writeSvgChart(out, *figure.chart);
  }
  if (figure.chart && figure.chart->hasData()) {
    // The numbers behind the chart: accessible and copyable.
    if (figure.tableOpen) {
      out.open("details", {{"open", "open"}});
    } else {
      out.open("details");
    }
    out.element("summary", {}, "Table");
    writeTable(out, figure.table);
    out.close("details");
  } else if (!figure.chart) {
    writeTable(out, figure.table);
  }
  out.close("figure");
}
} // namespace

std::string renderOverviewPage(const OverviewPage& page)
{
  HtmlWriter out;
  out.raw("<!DOCTYPE html>\n");
  out.open("html", {{"lang", "en"}});
  out.open("head");
  out.empty("meta", {{"charset", "utf-8"}});
  // Nothing may be fetched: the page is complete as written.
  out.empty("meta", {{"http-equiv", "Content-Security-Policy"},
                     {"content", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                                 "base-uri 'none'; form-action 'none'"}});
  out.empty("meta", {{"name", "viewport"}, {"content", "width=device-width, initial-scale=1"}});
  out.empty("meta", {{"name", "generator"}, {"content", "dmarc-reports overview"}});
  out.element("title", {}, page.title);
  out.open("style");
  out.raw(s_style);
  out.close("style");
  out.close("head");
  out.open("body");
  out.open("header");
  out.element("h1", {}, page.title);
  out.element("p", {{"class", "meta"}},
              page.domains + " \xC2\xB7 " + page.period + " (days in " + page.timeZone +
                  ") \xC2\xB7 generated " + page.generated);
  out.open("nav", {{"aria-label", "Sections"}});
  out.open("ul");
  for (const auto& section : page.sections) {
    out.open("li");
    out.element("a", {{"href", "#" + section.id}}, section.title);
    out.close("li");
  }
  out.close("ul");
  out.close("nav");
  out.close("header");
  out.open("main");
  for (const auto& section : page.sections) {
    out.open("section", {{"id", section.id}});
    out.element("h2", {}, section.title);
    if (!section.intro.empty()) {
      out.element("p", {}, section.intro);
    }
    for (const auto& figure : section.figures) {
      writeFigure(out, figure);
    }
    out.close("section");
  }
  out.close("main");
  out.close("body");
  out.close("html");
  std::string html = out.finish();
  html.push_back('\n');
  return html;
}
} // namespace dmarc
