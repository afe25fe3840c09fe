package report

import (
	"crm/report/xlsx"
	"crm/report/xlsxwire"
)

// The XLSX helper's work runs in the test process (crm starts crm-xlsx).
func init() { xlsxwire.InProcess = xlsx.Main }
