// Package templates holds the built-in templates crm ships with: the dossier
// templates a clerk fills in (YAML with Chinese comments), the default policy
// written by `crm init`, and the report layouts. An archive may override any of
// them with a file of the same relative path under its own templates/ folder.
package templates

import "embed"

// FS is the tree of built-in templates:
//
//	dossier/<name>.yaml   dossier templates for `crm new --template NAME`
//	policy/crm.yaml       the default policy written by `crm init`
//	reports/<name>.yaml   report layouts for `crm report NAME`
//
//go:embed dossier policy reports
var FS embed.FS
