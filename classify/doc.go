// Package classify holds the rules of DOMAIN.md that decide how a customer
// dossier is classified: its secrecy level (密级, R7.2.2–R7.2.3) and secrecy
// period (保密期限, R7.2.4), its credit class (信用等级, R8), its value grade
// and tier, its size and its years of cooperation ("Other classifications").
//
// Every function is pure: it reads only its arguments, never the clock, the
// environment or the disk, and never prints. Callers pass "today" explicitly.
// Defaults (periods, credit thresholds, ABC shares) are the defaults of
// DOMAIN.md; the archive's policy may override each of them, so every
// function that applies one also takes it as an argument or has a variant
// that does.
//
// Functions that decide something return the [Rule] that decided it, so a
// caller can show the user why, in Chinese or in English.
//
// # Dates
//
// Secrecy periods and years of cooperation are counted in calendar days.
// A [time.Time] is reduced to its calendar date as read in its own location
// (the year, month and day that [time.Time.Date] returns), so 2026-01-01 at
// 00:30 in Beijing is 2026-01-01, not the UTC date 2025-12-31. Dates that
// this package returns are midnight UTC of the calendar date.
//
// Adding a number of years or months to a date keeps the day of the month.
// When the target month has no such day (a period set on 29 February, or on
// the 31st of a month followed by a shorter one), the result is the first day
// of the following month: a period set on 2024-02-29 for one year ends on
// 2025-03-01, and one set on 2026-01-31 for one month ends on 2026-03-01.
// This never ends a secrecy period before its full length has run (the safe
// side for a secret), and for periods in whole years it is exactly what
// [time.Time.AddDate] computes. Days are added after years and months.
package classify
