package classify

// Rule is the rule that decided a classification, so that a caller can show
// the user why. ID cites DOMAIN.md (for example "R7.2.3" or "R8"); rules
// from DOMAIN.md's "Other classifications", which carry no number there, use
// a short name ("value-grade", "tier", "cooperation"), and a value taken as
// written in the dossier has the ID "dossier".
type Rule struct {
	// ID names the rule, for example "R7.2.4".
	ID string `json:"id"`
	// Text explains, in Chinese, how the rule applied to this case.
	Text string `json:"text"`
	// TextEN is Text in English.
	TextEN string `json:"text_en"`
}

// String returns the rule's ID and its Chinese explanation.
func (r Rule) String() string {
	if r.ID == "" {
		return r.Text
	}
	return r.ID + ": " + r.Text
}

// Rule IDs used by this package.
const (
	RuleRelationship = "R7.2.3"      // level by relationship
	RulePeriod       = "R7.2.4"      // secrecy period and automatic declassification
	RuleCredit       = "R8"          // credit class from the survey score
	RuleValueGrade   = "value-grade" // ABC analysis by yearly sales
	RuleTier         = "tier"        // key / ordinary / potential customer
	RuleCooperation  = "cooperation" // new / old / loyal customer
	RuleDossier      = "dossier"     // a value written in the dossier wins
)
