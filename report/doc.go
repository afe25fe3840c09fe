// Package report turns figures gathered from an archive into the
// department's reports (R6.1, R6.2, R6.8, R6.9), in five formats.
//
// A report has three parts:
//
//   - A [Layout], read by [LoadLayout] from templates/reports/<name>.yaml: the
//     title, the sections and their columns (key, Chinese and English title,
//     kind). The archive's own templates/reports/<name>.yaml wins over the
//     built-in one, so a department can retitle or reorder without a new
//     build; keys and kinds are the contract with the code that gathers the
//     figures.
//   - The data: for each section key, a list of [Row] (column key → [Value]).
//     [Build] checks it against the layout and returns a [Report]; the caller
//     sets Period, GeneratedAt and Notes (see [Layout.Note]).
//   - [Render], which writes a Report as a table, Markdown, CSV, XLSX or
//     JSON ([ParseFormat]). Titles and headers are Chinese unless
//     Options.Lang is "en".
//
// Typical use:
//
//	l, err := report.LoadLayout("monthly", os.DirFS(archiveDir))
//	r, err := report.Build(l, map[string][]report.Row{
//		"summary":  {{"created": report.Int(3), "updated": report.Int(12)}},
//		"by_level": {{"level": report.Str("秘密"), "count": report.Int(40), "share": report.Share(40, 52)}},
//	})
//	r.Period, r.GeneratedAt = "2026-10", now
//	err = report.Render(w, r, report.XLSX, report.Options{TmpDir: shmDir})
//
// # Gathering
//
// [Gather] (and [Make], which also builds the report and adds its notes)
// collects a report's figures from an open archive:
//
//   - Periods ([Period], [ParseMonth], [ParseQuarter], [ParseYear],
//     [PreviousMonth] …) are calendar months, quarters and years in the
//     archive policy's zone (timezone, default Asia/Shanghai), whatever the
//     machine's zone; events are stored in UTC. The registers default to
//     the whole history.
//   - Everything comes from archive.State, which replayed the journal with
//     every rule checked: loans, destructions, 核定, the classification
//     register (State.Changes), each dossier's level, credit and tier
//     histories, creations and updates. The reports keep no event kinds and
//     compute no rule: levels at a time are State.EffectiveLevelAt, credit
//     classes Policy.CreditOf, tiers archive.TierOf. Figures: created
//     (dossiers created in the period), updated (distinct dossiers with a
//     content update), verified (distinct dossiers with a 核定), borrowed
//     (loans whose last approval fell in the period), returned (loans
//     returned in it), overdue (loans out past their due time at some
//     time in the period before now, whenever they fell due: returned
//     late, never, or taken back by expiry), destroyed (destructions executed in it), the number of
//     dossiers and their levels at the period's end (or now, for a period
//     not yet over). The annual report adds reclassified (升密 and 降密 in
//     the period; a 密级确认 keeps the level and does not count) and
//     declassified (secrecy periods that ran out in it, R7.2.4:
//     State.DeclassifiedAt, whether or not crm maintain has journaled the
//     declassification yet).
//   - Content figures (credit class, tier, ABC grade, industry, region, the
//     dangerous and key customer lists, owners) decrypt the dossiers active
//     at the period's end that the identity can read, on every core, as they
//     are now (the archive keeps no old plaintext). Credit class: the last
//     dossier.credit event, else credit_survey.class, else the survey score
//     under the policy's thresholds (classify.ClassifyScore), else 未评定.
//     Tier: the last dossier.tier event, else the dossier's tier, else 未定.
//     The monthly report's 信用异动 lists the month's visits that noted a
//     change in credit (archive.CreditNote, from the digests), marking 待复核
//     a dossier's latest one whose class is not the customer's class now.
//     ABC grade: classify.ABCGrades over the readable dossiers' yearly sales
//     with the policy's shares. Dossiers that could not be read (no key, not
//     a recipient) are counted in [Gathered].Unreadable and the report
//     carries the layout's "unreadable" note; those destroyed since (a
//     report on a past period) in [Gathered].Gone, with the layout's
//     "destroyed" note: no key reads them any more; a file that is not
//     the one the journal pinned stops the report (exit 4), as in
//     `crm show`.
//   - The monthly report's hand-ins (R6.1, handins.go): one row per member
//     who owed the month's customer information report
//     (archive.State.OwesHandIn: a submitter role held from before the
//     month began until its due day ended), from the journal's register
//     of hand-ins (State.Submissions),
//     never their files: how many count (not rejected), how many were
//     rejected, the first that counts, and 按期 / 逾期 / 未交 against the
//     due day (Policy.HandInDue), or 待交 while it has not ended.
//   - The marking (Report.Marking, marking.go): the highest level among the
//     dossiers whose content the report read or whose rows name them, at
//     their level today or the one the row prints, whichever is higher;
//     none when the report shows no dossier. Every format prints it under
//     the title ("密级：机密 ★ 禁止外传"; for 内部 "内部 · 仅限客服部").
//
// # Values
//
// A column's kind decides how each format writes its values:
//
//	kind     Value           table/md/csv     xlsx                 json
//	text     Str             as is            text cell            string
//	text     Words           report's lang    text cell            string (Chinese)
//	int      Int             12               number, #,##0        12
//	number   Num (or Int)    1234.50          number, #,##0.00     1234.5
//	percent  Num: fraction   12.5%            number, 0.0%         0.125
//	date     Date            2026-10-05       date, yyyy-mm-dd     "2026-10-05"
//
// Words is for the words crm itself writes into a cell (a loan's remarks,
// 是/否, a change's kind, the default destruction method): worded in the
// report's language by every format but JSON, which carries the Chinese
// whatever the language, as its keys do. What a person entered (reasons,
// notes, names, levels) is Str, printed as given in every language.
//
// An empty cell is the zero Value: blank in the text formats and XLSX, null
// in JSON. Text stays text everywhere: a phone number is never turned into a
// number (in CSV it is written ="13800138000" so that Excel keeps it).
//
// # CSV
//
// One block per section, blocks separated by an empty line: a line with the
// section title, the column titles, the rows and, if any, a line with the
// section's note. Above the first block: the report title, marking, period,
// generation time and notes, one cell per line. Rows have different lengths;
// a reader must allow that. Text cells starting with = + - @ get a leading '
// so that spreadsheets do not run them as formulas; numbers (negative ones
// too) are written plainly. Options.BOM adds the UTF-8 byte-order mark that
// Excel on Chinese Windows needs.
//
// # XLSX
//
// A first sheet "说明" (About) holds the title, marking, period, generation
// time, notes and the list of sheets with each section's note; then one
// sheet per section, named after its title (made valid and unique), with a
// bold, filled, bordered and frozen header row and columns sized to their
// content. Large sheets are spilled to Options.TmpDir: point it at
// memory-backed storage.
//
// Every sheet prints on A4 landscape, scaled to one page wide and as many
// pages high as it needs; a section's header row is repeated on every page
// (the sheet's _xlnm.Print_Titles); the page header carries the marking
// (left), the title (centre) and the period (right), the footer the sheet's
// name and "第 x 页 / 共 y 页" ("Page x of y" in English). A sheet starts a
// new page, so a report prints on at least as many pages as it has sheets.
// print_test.go checks the result in LibreOffice when it is installed.
//
// # JSON schema crm.report/v1
//
// The JSON output is one object, indented, keys in this order:
//
//	{
//	  "schema": "crm.report/v1",
//	  "report": "monthly",                      layout name
//	  "title": {"zh": "客户信息报表", "en": "…"},
//	  "period": "2026-10",                       "" when not set
//	  "generated_at": "2026-11-01T08:00:00+08:00", RFC 3339, or null
//	  "notes": [{"zh": "…", "en": "…"}],         [] when none
//	  "sections": [
//	    {
//	      "key": "by_level",                     English snake_case
//	      "title": {"zh": "密级分布", "en": "By secrecy level"},
//	      "note": {"zh": "…", "en": "…"},        or null
//	      "columns": [{"key": "level", "title": {"zh": "密级", "en": "Level"}, "kind": "text"}, …],
//	      "rows": [{"level": "秘密", "count": 40, "share": 0.769}, …]
//	    }
//	  ]
//	}
//
// Every row has every column key, in column order; values are typed by the
// column's kind as in the table above, null when empty. Titles carry both
// languages, so the JSON does not depend on Options.Lang. Additions that
// keep this shape (a new key, a new section, a new column) keep the schema
// id; anything else changes it. SCHEMA.md in this directory says the same
// for readers outside Go.
package report
