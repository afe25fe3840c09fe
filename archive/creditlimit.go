package archive

import (
	"strconv"

	"gopkg.in/yaml.v3"

	"crm/l10n"
)

// creditOfText is what a dossier's text, or a part of one, says of its
// credit: the class its survey writes, its score and its credit limit.
type creditOfText struct {
	CreditSurvey struct {
		Class       string  `yaml:"class"`
		Score       *int    `yaml:"score"`
		CreditLimit float64 `yaml:"credit_limit"`
	} `yaml:"credit_survey"`
}

// checkCreditLimit refuses a dossier text about to be written (newText;
// oldText the text it replaces, nil for a new dossier) whose credit
// survey grants more credit (credit_survey.credit_limit, 赊销额度) than the
// policy's limit for the customer's credit class (R8: each class has a
// credit limit set in policy; D, a dangerous customer, gets none). The
// class is the one the dossier is listed with: override, the journal's
// (dossier.credit), else the survey's own class, else its score's. A text
// whose limit and class are as before is left to the edit that changes
// them, as a class changed by the journal alone is.
func (a *Archive) checkCreditLimit(override string, oldText, newText []byte) error {
	var nd creditOfText
	if yaml.Unmarshal(newText, &nd) != nil {
		return nil // the text's own checks say what is wrong
	}
	ns := nd.CreditSurvey
	class, _ := a.Policy.CreditClassOf(override, ns.Class, ns.Score)
	if class == "" {
		return nil
	}
	t, ok := a.Policy.CreditTermsOf(class)
	if !ok || ns.CreditLimit <= t.Limit {
		return nil
	}
	if oldText != nil {
		var od creditOfText
		if yaml.Unmarshal(oldText, &od) == nil {
			ocs := od.CreditSurvey
			if oc, _ := a.Policy.CreditClassOf(override, ocs.Class, ocs.Score); oc == class && ocs.CreditLimit == ns.CreditLimit {
				return nil
			}
		}
	}
	var line int
	if top, err := dossierNode(newText); err == nil {
		line = lineOf(top, "credit_survey.credit_limit")
	}
	amount := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return &ValidationError{[]*FieldError{{Path: "credit_survey.credit_limit", Line: line,
		Msg: l10n.Sprintf("%s is above the limit of credit class %s (%s, policy credit.classes, R8): lower it, or have the class reviewed first", amount(ns.CreditLimit), class, amount(t.Limit))}}}
}
